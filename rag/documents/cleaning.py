"""Cleaning: turn a scraped article into prose that is safe to quote as evidence.

The rules are general, about how news pages are built, never about one site or article:
1. normalise whitespace and drop invisible characters;
2. drop lines that are page furniture:
   - interface labels, alone or run together ("Share", "Continue readingShow more");
   - short lower-case labels with no sentence in them (tags, CSS names: "weather alerts");
   - section kickers ("Analysis | Europe") and datelines standing alone ("CNN —");
   - photo captions that end in an agency credit, and credits standing alone;
   - links to other stories ("More: …", "Read more: …") and wire credits ("Contributing: …");
   - contact and bio lines (an e-mail, a @handle or a phone number with "contact", "reach",
     "follow", …);
   - promotions: newsletter and subscription pitches, which address the reader;
3. remove photo credits run into the text ("… on Saturday. Jane Doe/AFP/Getty Images The
   storm …"), keeping the sentences around them;
4. once the article body has started, the first furniture line followed by teaser signs
   ("continue reading", "read more", a newsletter sign-up) ends the article: what follows is
   recommendations of other stories, not this one.
"""

from __future__ import annotations

import re
import unicodedata

_UI_LABEL = (
    r"share(?:\ this)?(?:\ article|\ story)?(?:\ on\ \w+)?|follow\ us(?:\ on\ [\w ]+)?"
    r"|keep\ reading|continue\ reading|read\ more|show\ (?:less|more)|see\ more|load\ more"
    r"|advertisement|sponsored(?:\ content)?|adchoices|print|email|comments?|close"
    r"|subscribe(?:\ now)?|sign\ up|newsletters?|latest(?:\ news)?|most\ (?:read|popular)"
    r"|trending(?:\ now)?|recommended(?:\ for\ you)?|you\ may\ also\ like|related(?:\ \w+)?"
    r"|listen\ to\ this\ article|skip\ to\ (?:main\ )?content"
)
# A whole line that is page furniture. Matched case-insensitively against the stripped line.
_CHROME_LINE = re.compile(
    rf"""^(?:
        (?:(?:{_UI_LABEL})[\s|·•:]*)+                 # labels, alone or run together
      | (?:top\ )?(?:image|photo)(?:\ credit)?:.* | credit:.* | click\ here\b.*
      | more\ from\ .{{1,40}}
      | [\w.&'’ -]{{2,30}}\ \|\ [\w.&'’ -]{{2,30}}    # section kicker: "Analysis | Europe"
      | (?:read\ more|more|related|see\ also|also\ read|watch)\s*:.*   # links to other stories
      | contribut(?:ing|ed\ by|ors?):.* | (?:reporting|writing|editing)\ by\ .{{1,120}}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_LABEL = re.compile(r"^[a-z0-9][a-z0-9 ]*$")  # lower-case, no punctuation: "promo slot"
_DATELINE = re.compile(r"^[A-Z][\w.&'’ ]{0,40}?\s*[—–-]+$")  # "CNN —" alone on its line

_AGENCY = (
    r"(?:getty\ images|ap(?:\ photo)?|afp|reuters|bloomberg|shutterstock(?:\.com)?|sipa(?:\ usa)?"
    r"|epa(?:-efe)?|pool|nurphoto|anadolu(?:\ agency)?|xinhua|usa\ today(?:\ sports)?|imagn"
    r"|the\ washington\ post|the\ new\ york\ times|cnn|nasa|wireimage|filmmagic|zuma\ press)"
)
# A line that ends with a photo-agency credit is a caption, not reporting.
_CAPTION = re.compile(rf"(?:via\ |/|photo\ by\ |credit:?\ ).{{0,80}}{_AGENCY}\W*$", re.I | re.X)
# "Jane Doe/AFP/Getty Images" inside a line: a photographer (capitalised words) and agencies.
_NAME = r"[A-Z][a-zA-Z'’-]+"
_INLINE_CREDIT = re.compile(
    rf"\s*\b(?:{_NAME}\ ){{0,3}}{_NAME}(?:/[\w .&'’-]{{1,40}}?)*/(?i:{_AGENCY})\b", re.VERBOSE
)
_CONTACT_MARK = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?<!\w)@\w{2,}|\(?\d{3}\)?[ -]\d{3}-\d{4}")
_CONTACT_CUE = re.compile(
    r"\b(?:contact|reach|e-?mail|follow|connect|tweet|twitter|facebook|instagram|shoot)\b", re.I
)
_PROMO_CUE = re.compile(
    r"\b(?:newsletters?|subscribe|subscription|subscribers|sign\ up|inbox|support\ local"
    r"\ journalism|more\ of\ our\ (?:stories|coverage|journalism|reporting)|preferred\ source)\b",
    re.IGNORECASE | re.VERBOSE,
)
_READER = re.compile(  # the page talking to its reader, or about itself
    r"\b(?:you|your|yours|our|us)\b|^(?:sign up|subscribe|get|join|follow|click|read|want)\b",
    re.I,
)
# Signals that what follows is a list of other stories or a sign-up box.
_TEASER_MARK = re.compile(
    r"keep\ reading|show\ less|read\ more|subscribe|newsletter|more\ stories|sign\ up",
    re.IGNORECASE | re.VERBOSE,
)
_BODY_WORDS = 30  # a paragraph this long means the article body has begun


def normalize(text: str) -> str:
    """Unicode NFC, no zero-width or control characters, tidy blank lines and spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b-\u200d\ufeff\u00ad]", "", text)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    text = re.sub(r"[^\S\n]+", " ", text)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_promo(line: str) -> bool:
    """A newsletter or subscription pitch: a promotion cue that addresses the reader, or two."""
    cues = len(_PROMO_CUE.findall(line))
    return cues >= 2 or (cues == 1 and bool(_READER.search(line)))


def is_contact(line: str) -> bool:
    """A contact or bio line: an address, handle or phone number with a contact verb."""
    return bool(_CONTACT_MARK.search(line) and _CONTACT_CUE.search(line))


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture rather than article text."""
    stripped = line.strip()
    if not stripped:
        return False
    if _LABEL.match(stripped) and len(stripped.split()) <= 3:
        return True
    return bool(
        _CHROME_LINE.match(stripped)
        or _DATELINE.match(stripped)
        or _CAPTION.search(stripped)
        or is_contact(stripped)
        or is_promo(stripped)
    )


def clean_text(text: str) -> str:
    """Clean one article's text (see the module docstring for the rules)."""
    lines = normalize(text).split("\n")
    kept: list[str] = []
    body_started = False
    for index, line in enumerate(lines):
        if is_chrome(line):
            rest = "\n".join(lines[index + 1 :])
            if body_started and _TEASER_MARK.search(rest):
                break  # the article is over; the rest is teasers and sign-up boxes
            continue
        if line:
            line = _INLINE_CREDIT.sub("", line).strip()
            if not line:  # it was nothing but a credit
                continue
        if len(line.split()) >= _BODY_WORDS:
            body_started = True
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
