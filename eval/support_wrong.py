"""Wrong claims that keep every word of their quote's facts: `roles_swapped`, `hedge` and
`dropped_condition`.

    swapped_roles("Ilse Varga criticised Tomas Brandt on Friday.")
        == "Tomas Brandt criticised Ilse Varga on Friday."
    hedge_made_fact("The fee could rise to 20 crowns.") == "The fee will rise to 20 crowns."
    dropped_condition("The ferry will run if the port reopens.") == "The ferry will run."

Each holds the same names, numbers and dates as its quote, so only reading the sentence
tells them apart. Rules only, about no topic; None where a rule does not apply.
"""

from __future__ import annotations

import re

from eval.support_forms import past, third
from rag.language.lexicon import lemma, lexicon

_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)*|[A-Z]{2,})"
_NAME = re.compile(rf"(?<![\w'’-]){_NAME_WORD}(?: {_NAME_WORD})*(?![\w-])")
_NOT_NAMES = frozenset(
    [
        *("January", "February", "March", "April", "May", "June", "July", "August"),
        *("September", "October", "November", "December", "Monday", "Tuesday"),
        *("Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "I"),
    ]
)
_OPENERS = frozenset(
    [
        *("the", "a", "an", "in", "on", "at", "after", "before", "for", "as", "when", "while"),
        *("but", "and", "if", "this", "that", "its", "his", "her", "their", "our", "by", "from"),
        *("we", "you", "i", "it", "there", "they", "he", "she", "these", "those", "although"),
        *("despite", "though", "because", "since", "whereas", "once", "until", "unless"),
        *("however", "meanwhile", "still", "so", "yet", "then", "now", "here", "what", "why"),
        *("how", "who", "which", "where", "one", "some", "many", "most", "all", "both", "each"),
        *("every", "no", "not", "only", "even", "also", "just", "with", "without", "under"),
        *("over", "between", "among", "against", "about", "like", "to", "of", "or", "nor"),
    ]
)
_OPENING = "“\"‘'(:[;"  # after these a capital starts a sentence, not a name
_DEMONYM = re.compile(r"(?:ian|ean|ican|ese|ish)$|^(?:North|South|East|West)ern$")
_TITLE_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|President|Minister|Secretary|Senator|Governor|General|King|Queen|"
    r"Chancellor|Mayor|Judge|Chief|Sir|Lord|Lady)\.? $"
)
_TITLES = frozenset(
    [
        *("President", "Mr", "Mrs", "Ms", "Dr", "Prime", "Minister", "Secretary", "Senator"),
        *("Governor", "General", "King", "Queen", "Chancellor", "Mayor", "Judge", "Chief"),
    ]
)
# Text between two names that makes their roles interchangeable ("X and Y", "X met Y").
_SYMMETRIC = re.compile(
    r"\b(?:and|or|nor|with|between|versus|vs|both|met|meet|meets|meeting|talks?|talked|"
    r"spoke|speak|negotiat\w*|together|each|alongside|plus)\b|&|^\W*$",
    re.IGNORECASE,
)
_REPORTING = re.compile(
    r"\b(?:said|says|say|told|tells|added|announced|expected|expects|believed|believes|"
    r"thought|thinks|predicted|warned|warns|argued|argues|claimed|claims|noted|stated|hoped|"
    r"hopes|promised|insisted|suggested|indicated|wrote|feared|fears|asked|asks|wondered)\b"
)
_MODAL = re.compile(r"\b(may|might|could|would)( not)? (have )?([a-z]+)\b")
_EXPECTED = re.compile(
    r"\b(is|are|was|were) (?:widely |now |still )?(?:expected|likely|poised|projected|"
    r"forecast|predicted) to ([a-z]+)\b"
)
_INTENT = re.compile(
    r"(?<!\bto )\b(plans|planned|plan|intends|intended|intend|aims|aimed|aim|hopes|hoped|hope|"
    r"wants|wanted|seeks|sought|vows|vowed|pledges|pledged) to ([a-z]+)\b"
)
_PERHAPS = re.compile(r"\b(?:[Pp]erhaps|[Mm]aybe),? ")
_LEADING_IF = re.compile(
    r"^(?:If|Unless|Only if|Provided(?: that)?|As long as|So long as|In case|Assuming"
    r"(?: that)?) [^,]{3,}?, (?:then )?"
)
_CONDITION = re.compile(
    r"\s(?:only\s)?(?:if|unless|provided(?: that)?|as long as|so long as|on condition that|"
    r"in case)\s"
)
_CLAUSE_END = re.compile(r",[\"”’']?\s|\s[—–]\s?|;|[.!?][\"”’']*$")
# "if" meaning "whether", and "even if"/"as if", which drop without changing the claim.
_NOT_CONDITION = re.compile(
    r"\b(?:even|as|what|or|ask|asked|asks|asking|wonder\w*|know|knows|knew|unclear|clear|"
    r"see|sure|unsure|uncertain|decide\w*|check\w*|whether|doubt\w*|question)\W*$",
    re.IGNORECASE,
)
# Words after which a clause begins: "said that if Y, Z" loses "if Y," and its comma.
_OPENS_CLAUSE = re.compile(r"\b(?:that|and|but|because|so|said|says|then|while|which)$")


def names(s: str, known: frozenset[str] = frozenset()) -> list[re.Match[str]]:
    """Runs of capitalised words that name someone or something: not a month, weekday,
    title ("President", left in place), function word or demonym ("Russian"), nor a first
    word (of the sentence or a quotation) unless `known` (names the article writes
    mid-sentence) holds it."""
    out: list[re.Match[str]] = []
    for m in _NAME.finditer(s):
        parts, start = m.group().split(" "), m.start()
        opening = not s[:start].strip() or s[:start].rstrip()[-1] in _OPENING
        lone = len(parts) == 1 or _not_name(parts[0]) or _common(parts[0])
        if opening and parts[0] not in known and lone:  # "Despite Western", "“This deal"
            start += len(parts.pop(0)) + 1
        while parts and _leads_no_name(parts):
            start += len(parts.pop(0)) + 1  # "Ukrainian President Volodymyr X": "Volodymyr X"
        if not parts or (len(parts) == 1 and _DEMONYM.search(parts[0])):
            continue
        found = re.compile(re.escape(" ".join(parts))).search(s, start)
        if found:
            out.append(found)
    return out


def known_names(text: str) -> frozenset[str]:
    """Capitalised words an article writes after a lowercase word: names, wherever they
    stand ("Varga said" starts a sentence; "Prices rose" does not make "Prices" one)."""
    return frozenset(re.findall(rf"(?<=[a-z,;] ){_NAME_WORD}(?![\w-])", text))


def _common(word: str) -> bool:
    lex, base = lexicon(), lemma(word)
    return base in lex.verbs or base in lex.adjectives


def _leads_no_name(parts: list[str]) -> bool:
    """Whether the run's first word is no name: a title, month, function word, or a
    demonym before a title ("Ukrainian President", not "European Union")."""
    titled = len(parts) > 1 and parts[1] in _TITLES
    return _not_name(parts[0]) or (titled and bool(_DEMONYM.search(parts[0])))


def _not_name(word: str) -> bool:
    return word in _TITLES or word in _NOT_NAMES or word.lower() in _OPENERS


def swapped_roles(s: str, known: frozenset[str] = frozenset()) -> str | None:
    """`s` with two different names exchanged, where the text between them gives them
    different roles ("X criticised Y"; not "X and Y", "X met Y"); `known` as for `names`."""
    found = names(s, known)
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            between = s[a.end() : b.start()]
            words_a, words_b = set(a.group().split()), set(b.group().split())
            titled = {bool(_TITLE_BEFORE.search(s[: x.start()])) for x in (a, b)}
            if words_a & words_b or _SYMMETRIC.search(between) or len(titled) > 1:
                continue  # "X and Y", "Mr. X" with a place
            if re.search(r"\bbetween\b", s[: a.start()]):
                continue
            return s[: a.start()] + b.group() + between + a.group() + s[b.end() :]
    return None


def _verb(word: str) -> str | None:
    base = lemma(word)
    return base if base == word and base in lexicon().verbs else None


def hedge_made_fact(s: str) -> str | None:
    """`s` with its first hedge stated as fact: "may/might/could/would X" -> "will X"
    ("may have X-ed" -> "X-ed"), "is expected to X" -> "X-s", "plans to X" -> "X-s",
    "perhaps, X" -> "X". A "would" after a reporting verb is reported speech, not a hedge."""
    found: list[tuple[int, int, str]] = []
    for m in _MODAL.finditer(s):
        if m.group(1) == "would" and _REPORTING.search(s[: m.start()]):
            continue
        if m.group(3):  # "may have signed" -> "signed"
            base = lemma(m.group(4))
            if base in lexicon().verbs and m.group(4) != base:
                found.append((m.start(), m.end(), past(base)))
        elif _verb(m.group(4)):
            found.append((m.start(), m.end(), f"will{m.group(2) or ''} {m.group(4)}"))
    for m in _EXPECTED.finditer(s):
        verb = _verb(m.group(2))
        if verb == "be":
            found.append((m.start(), m.end(), m.group(1)))
        elif verb:
            form = {"is": third(verb), "are": verb}.get(m.group(1), past(verb))
            found.append((m.start(), m.end(), form))
    for m in _INTENT.finditer(s):
        verb, intent = _verb(m.group(2)), m.group(1)
        if verb and verb != "be":  # the verb takes the tense and number of "plan(s/ned)"
            if intent.endswith("s"):
                form = third(verb)
            else:
                form = verb if intent == lemma(intent) else past(verb)
            found.append((m.start(), m.end(), form))
    for m in _PERHAPS.finditer(s):  # "Perhaps, the fee rose" -> "The fee rose"
        first = s[m.end() : m.end() + 1]
        found.append((m.start(), m.end() + 1, first.upper()) if not m.start() else (*m.span(), ""))
    if not found:
        return None
    start, end, new = min(found)
    return s[:start] + new + s[end:]


def dropped_condition(s: str) -> str | None:
    """`s` without its "if/unless/provided that/as long as" clause: the claim states
    unconditionally what the quote makes conditional ("even if" and "ask if" are left)."""
    lead = _LEADING_IF.match(s)
    if lead:
        rest = s[lead.end() :]
        return rest[:1].upper() + rest[1:] if len(rest.split()) >= 4 else None
    for m in _CONDITION.finditer(s):
        before = s[: m.start()]
        if _NOT_CONDITION.search(before):
            continue
        end = _CLAUSE_END.search(s, m.end())
        closer = s[end.start() :] if end else ""
        head = before.rstrip(",")
        dashed = head.endswith(("—", "–")) and closer.lstrip().startswith(("—", "–"))
        if dashed:  # "X — if Y — Z": "X Z"
            head, closer = head.rstrip("—– "), " " + closer.lstrip(" —–")
        elif closer.startswith(", ") and _OPENS_CLAUSE.search(head):  # "that if Y, Z"
            closer = " " + closer[2:]
        if len(head.split()) >= 3:
            return head + closer
    return None
