"""Script text → what a TTS engine should say, keeping the way back to the script's words.

Captions show the script's own tokens ("$5.50", "Dr.", "3/4/2026", "e.g.") while the engine
is given spoken words ("five dollars fifty cents", "Doctor", ...). Each `Token` holds both, so
timings measured on the spoken words land on the written word. Only English gets the full
treatment (numbers, money, dates, abbreviations); other languages get their numbers spelled
by num2words and leave the rest to the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from num2words import num2words

ABBREVIATIONS = {
    "dr.": "doctor",
    "mr.": "mister",
    "mrs.": "missus",
    "ms.": "miz",
    "prof.": "professor",
    "st.": "saint",
    "jr.": "junior",
    "sr.": "senior",
    "mt.": "mount",
    "vs.": "versus",
    "etc.": "et cetera",
    "e.g.": "for example",
    "i.e.": "that is",
    "approx.": "approximately",
    "inc.": "incorporated",
    "ltd.": "limited",
    "co.": "company",
    "no.": "number",
    "a.m.": "A M",
    "p.m.": "P M",
    "u.s.": "U S",
    "u.k.": "U K",
    "min.": "minutes",
    "hrs.": "hours",
    "est.": "established",
    "dept.": "department",
    "fig.": "figure",
}
SYMBOLS = {"&": "and", "+": "plus", "@": "at", "=": "equals", "%": "percent", "#": "number"}
CURRENCIES = {
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
SCALES = {
    "k": "thousand",
    "m": "million",
    "b": "billion",
    "bn": "billion",
    "t": "trillion",
    "thousand": "thousand",
    "million": "million",
    "billion": "billion",
    "trillion": "trillion",
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
LEADING = "\"'([{“‘«¿¡*_"
TRAILING = "\"')]}”’»*_"
CLAUSE = ",;:—–…"
SENTENCE = ".!?"

_MONEY = re.compile(r"^([$£€])(\d[\d,]*)(?:\.(\d{1,2}))?(k|m|bn|b|t)?$", re.I)
_PERCENT = re.compile(r"^(\d[\d,]*(?:\.\d+)?)%$")
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(am|pm)?$", re.I)
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$", re.I)
_YEAR = re.compile(r"^(1[1-9]\d\d|20\d\d)$")
_NUMBER = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_RANGE = re.compile(r"^(\d+)[-–](\d+)$")
_FRACTION = re.compile(r"^(\d{1,3})/(\d{1,2})$")
_DECADE = re.compile(r"^(1[1-9]\d0|20\d0)'?s$")
_PARTS = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+(?:'[^\W\d_]+)?|[&+@=%#]")


@dataclass(frozen=True)
class Token:
    """One caption word: `text` as written, `spoken` what the engine says for it, `pause` the
    punctuation heard after it ("", ",", ".", "?", "!"), `at` its offset in the script."""

    text: str
    spoken: tuple[str, ...]
    pause: str = ""
    at: int = 0

    @property
    def sentence_end(self) -> bool:
        return self.pause in (".", "?", "!")


def tokenize(text: str, lang: str = "en") -> list[Token]:
    """Split a script into caption tokens with their spoken form. Never fails: a token that
    no rule understands is spoken as written; tokens with nothing to say (a lone "—") only
    add a pause to the previous word."""
    tokens: list[Token] = []
    for match in re.finditer(r"\S+", text):
        raw = match.group()
        core, pause = _split_punctuation(raw, lang)
        spoken = tuple(w for w in spoken_words(core, lang) if w)
        if spoken:
            tokens.append(Token(raw, spoken, pause, match.start()))
        elif pause and tokens:
            last = tokens[-1]
            tokens[-1] = Token(last.text, last.spoken, _stronger(last.pause, pause), last.at)
    return tokens


def script_words(text: str, lang: str = "en") -> list[str]:
    """The caption words of a script, in order (what `Narration.words` texts will be)."""
    return [t.text for t in tokenize(text, lang)]


def sentences(tokens: list[Token]) -> list[list[Token]]:
    """Group tokens into sentences (a sentence ends at ., ! or ?)."""
    groups: list[list[Token]] = [[]]
    for token in tokens:
        groups[-1].append(token)
        if token.sentence_end:
            groups.append([])
    return [g for g in groups if g]


def speech_text(tokens: list[Token]) -> tuple[str, list[tuple[int, int]]]:
    """The text to send to the engine and, per token, its (start, end) character span."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for token in tokens:
        said = " ".join(token.spoken)
        spans.append((pos, pos + len(said)))
        chunk = said + token.pause + " "
        parts.append(chunk)
        pos += len(chunk)
    return "".join(parts).rstrip(), spans


def _split_punctuation(raw: str, lang: str) -> tuple[str, str]:
    core = raw.lstrip(LEADING).rstrip(TRAILING)
    pause = ""
    while core and core[-1] in CLAUSE + SENTENCE:
        if lang == "en" and core.lower() in ABBREVIATIONS:
            break
        pause = _stronger(pause, "," if core[-1] in CLAUSE else core[-1])
        core = core[:-1].rstrip(TRAILING)
    return core, pause


def _stronger(a: str, b: str) -> str:
    rank = {"": 0, ",": 1, ".": 2, "!": 3, "?": 3}
    return a if rank.get(a, 0) >= rank.get(b, 0) else b


def spoken_words(core: str, lang: str = "en") -> list[str]:
    """Words an engine should say for one punctuation-stripped token."""
    if not core:
        return []
    if lang != "en":  # espeak reads numbers in its own language; its word events map back
        return [core]
    said = ABBREVIATIONS.get(core.lower()) or _say_pattern(core)
    if said is None:
        if re.fullmatch(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", core):
            return [core]
        said = " ".join(
            SYMBOLS.get(p) or (_say_number(p) if p[0].isdigit() else p)
            for p in _PARTS.findall(core)
        )
    return said.replace(",", " ").split()


def _say_pattern(core: str) -> str | None:
    if m := _MONEY.fullmatch(core):
        return _say_money(*m.groups())
    if m := _PERCENT.fullmatch(core):
        return f"{_say_number(m[1])} percent"
    if m := _DATE.fullmatch(core):
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        if 1 <= month <= 12 and 1 <= day <= 31:
            year = year + 2000 if year < 100 else year
            return (
                f"{MONTHS[month - 1]} {num2words(day, to='ordinal')} {num2words(year, to='year')}"
            )
    if m := _TIME.fullmatch(core):
        minutes = (
            ""
            if m[2] == "00"
            else (f"oh {num2words(int(m[2]))}" if m[2][0] == "0" else num2words(int(m[2])))
        )
        return " ".join(
            filter(None, [num2words(int(m[1])), minutes, " ".join((m[3] or "").upper())])
        )
    if m := _ORDINAL.fullmatch(core):
        return num2words(int(m[1]), to="ordinal")
    if _YEAR.fullmatch(core):
        return num2words(int(core), to="year")
    if m := _DECADE.fullmatch(core):
        said = num2words(int(m[1]), to="year")
        return said[:-1] + "ies" if said.endswith("y") else said + "s"
    if m := _FRACTION.fullmatch(core):
        return _say_fraction(int(m[1]), int(m[2]))
    if _NUMBER.fullmatch(core):
        return _say_number(core)
    if m := _RANGE.fullmatch(core):
        return f"{num2words(int(m[1]))} to {num2words(int(m[2]))}"
    return None


def _say_money(symbol: str, whole: str, cents: str | None, scale: str | None) -> str:
    one, many, cent, cents_word = CURRENCIES[symbol]
    amount = int(whole.replace(",", ""))
    if scale:
        number = _say_number(whole + (f".{cents}" if cents else ""))
        return f"{number} {SCALES[scale.lower()]} {many}"
    said = f"{num2words(amount)} {one if amount == 1 else many}"
    if cents and int(cents.ljust(2, "0")):
        c = int(cents.ljust(2, "0"))
        said += f" {num2words(c)} {cent if c == 1 else cents_word}"
    return said


def _say_fraction(top: int, bottom: int) -> str:
    if bottom in (0, 1):
        return f"{num2words(top)} over {num2words(bottom)}"
    name = {2: "half", 4: "quarter"}.get(bottom) or num2words(bottom, to="ordinal")
    if top != 1:
        name = "halves" if bottom == 2 else name + "s"
    return f"{num2words(top)} {name}"


def _say_number(text: str) -> str:
    value = text.replace(",", "")
    try:
        return num2words(float(value) if "." in value else int(value))
    except (ValueError, NotImplementedError, OverflowError):
        return text
