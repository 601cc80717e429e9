"""Offline text tools: sentence splitting, key terms and an extractive summary.

Word weights come from wordfreq's shipped frequency lists: a word's weight is how rare
it is in English (8 - Zipf), so sentences dense in the text's own rare words score high.
"""

import re
from collections import Counter

from wordfreq import zipf_frequency

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
STOP_ZIPF = 5.6  # "the", "have", "because"... carry no topic


def sentences(text: str) -> list[str]:
    """Split prose into sentences (blank lines and line breaks count as boundaries)."""
    parts = []
    for block in re.split(r"\n\s*\n|\n(?=\s*[-*•\d])", text.strip()):
        block = " ".join(block.split())
        parts += [s.strip() for s in _SENTENCE.split(block) if s.strip()]
    return parts


def weight(word: str) -> float:
    z = zipf_frequency(word.lower(), "en")
    return 0.0 if z >= STOP_ZIPF else 8.0 - z


def key_phrase(text: str) -> str:
    """The rarest content word of `text` with the content word before it ("black holes");
    `text` itself when it has no content word."""
    words = _WORD.findall(text)
    scored = [(weight(w), i) for i, w in enumerate(words) if len(w) > 2]
    if not scored or max(scored)[0] == 0:
        return text.strip()
    i = max(scored)[1]
    start = i - 1 if i > 0 and weight(words[i - 1]) > 0 else i
    return " ".join(words[start : i + 1])


def summarise(text: str, word_budget: int) -> list[str]:
    """The highest-scoring sentences (TF × rarity, a bonus for the lead) in original
    order, within `word_budget` words. Empty list for text without sentences."""
    sents = sentences(text)
    tf = Counter(w.lower() for w in _WORD.findall(text) if weight(w) > 0)

    def score(i: int, s: str) -> float:
        words = [w.lower() for w in _WORD.findall(s)]
        if not words:
            return 0.0
        base = sum(tf[w] * weight(w) for w in words if w in tf) / (len(words) ** 0.5)
        return base * (1.5 if i == 0 else 1.0)

    ranked = sorted(range(len(sents)), key=lambda i: -score(i, sents[i]))
    chosen, used = set(), 0
    for i in ranked:
        n = len(sents[i].split())
        if used + n <= word_budget or not chosen:
            chosen.add(i)
            used += n
    return [sents[i] for i in sorted(chosen)]


def search_terms(text: str, topic: str = "", limit: int = 3) -> list[str]:
    """Stock-footage search terms for a scene, most specific first: the scene's key
    phrase, the topic's key phrase, then the scene's rarest other words."""
    rare = sorted(
        {w.lower() for w in _WORD.findall(text) if len(w) > 3 and weight(w) > 0},
        key=lambda w: (-weight(w), w),
    )
    scene, theme = key_phrase(text), key_phrase(topic) if topic else ""
    # a scene without a telling word ("Follow for more") is searched by its topic first
    telling = max((weight(w) for w in _WORD.findall(scene)), default=0) >= 3.0
    candidates = [scene, theme, *rare] if telling else [theme, scene, *rare]
    terms: list[str] = []
    for term in candidates:
        term = term.lower().strip()
        if term and any(weight(w) > 0 for w in _WORD.findall(term)) and term not in terms:
            terms.append(term)
    return terms[:limit]
