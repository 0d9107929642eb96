"""Cleaning: turn a scraped article into prose that is safe to quote as evidence.

The rules are general, not per-site:
1. normalise whitespace and drop invisible characters;
2. drop page-chrome lines (social/share buttons, "google cta", section kickers such as
   "Analysis | Europe", photo credits and captions, "keep reading"/"show less" toggles);
3. once the article body has started, the first chrome line followed by teaser markers
   ("keep reading", "read more", newsletter sign-up) ends the article: everything after
   it is recommendations of other stories, not this one.
"""

from __future__ import annotations

import re
import unicodedata

# A whole line that is page furniture. Matched case-insensitively against the stripped line.
_CHROME_LINE = re.compile(
    r"""^(?:
        google\ cta
      | follow\ us(?:\ on\ [\w ]+)?
      | share(?:\ this)?(?:\ article|\ story)?(?:\ on\ \w+)?
      | (?:keep\ reading\s*)?show\ (?:less|more)
      | keep\ reading | read\ more | continue\ reading | see\ more
      | advertisement | sponsored(?:\ content)? | adchoices
      | subscribe(?:\ now)?(?:\ to\ .*)? | sign\ up(?:\ for\ .*)? | newsletters?
      | latest(?:\ news)? | most\ read | most\ popular | trending(?:\ now)? | related(?:\ \w+)?
      | recommended(?:\ for\ you)? | more\ from\ .{1,40} | you\ may\ also\ like
      | click\ here\b.* | want\ more\ of\ our\ stories.* | top\ image\ credit:.* | image\ credit:.*
      | photo(?:\ credit)?:.* | credit:.* | listen\ to\ this\ article.* | print | email
      | [\w.&'’ -]{2,30}\ \|\ [\w.&'’ -]{2,30}     # section kicker: "Analysis | Europe"
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SHOUT = re.compile(r"^[A-Z]{3,12}$")  # single shouted nav word: "LATEST", "QIOSK"

# Lines that end with a photo-agency credit are captions, not reporting.
_CAPTION = re.compile(
    r"(?:via\ |/|photo\ by\ |credit:?\ ).{0,80}"
    r"(?:reuters|ap\ photo|afp|getty\ images|shutterstock(?:\.com)?|sipa\ usa|epa|pool)\W*$",
    re.IGNORECASE | re.VERBOSE,
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


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture rather than article text."""
    stripped = line.strip()
    if not stripped:
        return False
    if _SHOUT.match(stripped):
        return True
    return bool(_CHROME_LINE.match(stripped) or _CAPTION.search(stripped))


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
        if len(line.split()) >= _BODY_WORDS:
            body_started = True
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
