"""What a prompt means to the offline engine: a seeded RNG, a colour palette, a topic and
a colour the prompt names. Everything is derived from a hash of the prompt, so the same
prompt (and seed) always draws the same picture and distinct prompts draw distinct ones."""

from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass

import numpy as np

# topic -> trigger words, matched on word stems; the topic with the most hits wins.
TOPICS: dict[str, tuple[str, ...]] = {
    "space": (
        "space",
        "galax",
        "planet",
        "star",
        "cosmos",
        "rocket",
        "astronaut",
        "moon",
        "orbit",
        "universe",
        "nasa",
        "alien",
        "mars",
    ),
    "money": (
        "money",
        "financ",
        "invest",
        "stock",
        "crypto",
        "bitcoin",
        "budget",
        "saving",
        "wealth",
        "cash",
        "dollar",
        "bank",
        "price",
        "sale",
        "business",
        "profit",
        "econom",
    ),
    "food": (
        "food",
        "cook",
        "recipe",
        "eat",
        "pizza",
        "burger",
        "coffee",
        "cake",
        "fruit",
        "kitchen",
        "restaurant",
        "meal",
        "breakfast",
        "dinner",
        "lunch",
        "taste",
        "chef",
    ),
    "tech": (
        "tech",
        "ai",
        "robot",
        "computer",
        "code",
        "software",
        "data",
        "digital",
        "cyber",
        "app",
        "phone",
        "internet",
        "chip",
        "program",
        "machine",
        "startup",
        "futur",
    ),
    "love": (
        "love",
        "heart",
        "romant",
        "wedding",
        "date",
        "valentin",
        "kiss",
        "relationship",
        "friend",
        "family",
    ),
    "music": (
        "music",
        "song",
        "sing",
        "band",
        "concert",
        "guitar",
        "piano",
        "beat",
        "dance",
        "rhythm",
        "dj",
        "playlist",
        "podcast",
    ),
    "fitness": (
        "fitness",
        "gym",
        "workout",
        "run",
        "sport",
        "health",
        "yoga",
        "muscle",
        "train",
        "exercise",
        "football",
        "soccer",
        "basketball",
        "athlet",
    ),
    "animals": ("dog", "cat", "pet", "pupp", "kitten", "horse", "paw", "zoo", "vet"),
    "car": (
        "car",
        "cars",
        "drive",
        "driving",
        "road",
        "race",
        "racing",
        "motor",
        "truck",
        "bike",
        "vehicle",
        "garage",
    ),
    "weather": (
        "rain",
        "storm",
        "weather",
        "cloud",
        "thunder",
        "lightning",
        "autumn",
        "fall",
        "umbrella",
        "winter",
        "cold",
    ),
    "travel": (
        "travel",
        "trip",
        "flight",
        "plane",
        "airport",
        "vacation",
        "holiday",
        "passport",
        "world",
        "globe",
        "countr",
        "abroad",
        "tour",
    ),
    "education": (
        "learn",
        "study",
        "book",
        "school",
        "read",
        "history",
        "philosoph",
        "science",
        "language",
        "teach",
        "lesson",
        "course",
        "exam",
        "universit",
        "knowledge",
        "fact",
        "stoic",
        "idea",
        "brain",
        "mind",
        "psycholog",
        "habit",
        "productiv",
    ),
    "ocean": (
        "ocean",
        "sea",
        "octop",
        "coral",
        "reef",
        "shark",
        "dolphin",
        "jellyfish",
        "squid",
        "turtle",
        "underwater",
        "wave",
        "beach",
        "surf",
        "water",
        "fish",
        "whale",
        "island",
        "coast",
        "sail",
        "boat",
        "river",
        "lake",
    ),
    "mountain": (
        "mountain",
        "hik",
        "peak",
        "alp",
        "climb",
        "valley",
        "snow",
        "ski",
        "trail",
        "camp",
    ),
    "city": (
        "city",
        "urban",
        "street",
        "build",
        "skyline",
        "town",
        "night",
        "york",
        "paris",
        "tokyo",
        "london",
        "architect",
        "traffic",
    ),
    "nature": (
        "nature",
        "forest",
        "tree",
        "garden",
        "flower",
        "plant",
        "leaf",
        "green",
        "eco",
        "climate",
        "wild",
        "animal",
        "bird",
        "spring",
        "park",
    ),
    "sun": (
        "sun",
        "summer",
        "sunrise",
        "sunset",
        "dawn",
        "morning",
        "desert",
        "heat",
        "solar",
        "bright",
    ),
}

# topic -> base hues (0..1) that the seeded palette is pulled towards
TOPIC_HUES: dict[str, tuple[float, ...]] = {
    "space": (0.70, 0.78, 0.62),
    "ocean": (0.55, 0.50, 0.58),
    "mountain": (0.60, 0.08, 0.55),
    "sun": (0.08, 0.02, 0.12),
    "city": (0.75, 0.05, 0.62),
    "money": (0.33, 0.13, 0.40),
    "food": (0.03, 0.09, 0.98),
    "tech": (0.50, 0.80, 0.55),
    "nature": (0.30, 0.22, 0.38),
    "love": (0.95, 0.88, 0.02),
    "music": (0.83, 0.92, 0.55),
    "fitness": (0.00, 0.58, 0.10),
    "animals": (0.08, 0.30, 0.12),
    "car": (0.00, 0.60, 0.95),
    "weather": (0.58, 0.62, 0.68),
    "travel": (0.52, 0.10, 0.56),
    "education": (0.10, 0.62, 0.45),
}

# a colour named in the prompt ("a red octopus") becomes the motif's accent hue
COLOUR_HUES = {
    "red": 0.0,
    "orange": 0.07,
    "gold": 0.12,
    "golden": 0.12,
    "yellow": 0.15,
    "green": 0.33,
    "teal": 0.48,
    "turquoise": 0.47,
    "blue": 0.6,
    "navy": 0.63,
    "purple": 0.78,
    "violet": 0.76,
    "pink": 0.92,
}

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Scene:
    """The prompt, decoded: its RNG seed, palette (RGB tuples, dark to light), topic."""

    seed: int
    palette: tuple[tuple[int, int, int], ...]
    topic: str

    def rng(self, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng((self.seed + salt) % 2**63)


def prompt_seed(prompt: str, seed: int | None = None) -> int:
    """A stable 63-bit seed from the prompt text and the optional user seed."""
    digest = hashlib.sha256(f"{prompt.strip().lower()}\x00{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _hits(stems: tuple[str, ...], word: str) -> bool:
    return any(word == s or (len(s) > 2 and word.startswith(s)) for s in stems)


def detect_topic(words: list[str]) -> str:
    """The topic with the most trigger words (ties: the earliest word); "abstract" if none."""
    best, best_key = "abstract", (0, 0)
    for topic, stems in TOPICS.items():
        positions = [i for i, word in enumerate(words) if _hits(stems, word)]
        key = (len(positions), -positions[0]) if positions else (0, 0)
        if key > best_key:
            best, best_key = topic, key
    return best


def make_palette(
    seed: int, topic: str, colour: float | None = None
) -> tuple[tuple[int, int, int], ...]:
    """Five colours from dark to light: a topic hue nudged by the seed, plus a harmony
    (or the hue of a colour the prompt names as the accent)."""
    rng = np.random.default_rng(seed)
    hues = TOPIC_HUES.get(topic) or (rng.random(),)
    base = (hues[int(rng.integers(len(hues)))] + rng.normal(0, 0.04)) % 1.0
    scheme = rng.choice([0.08, 0.33, 0.5, 0.58, -0.12])  # analogous, triad, complement...
    accent = (base + scheme) % 1.0 if colour is None else colour
    sat = float(rng.uniform(0.45, 0.85))
    spec = [
        (base, sat, 0.10),
        (base, sat, 0.28),
        ((base + accent) / 2 % 1.0, sat, 0.55),
        (accent, min(1.0, sat + 0.1), 0.85),
        (accent, sat * 0.35, 0.97),
    ]
    return tuple(tuple(int(c * 255) for c in colorsys.hsv_to_rgb(h, s, v)) for h, s, v in spec)


def read_prompt(prompt: str, seed: int | None = None) -> Scene:
    """Decode a prompt into a Scene (never fails; an empty prompt gives an abstract scene)."""
    words = [w.lower() for w in _WORD.findall(prompt)]
    value = prompt_seed(prompt, seed)
    topic = detect_topic(words)
    colour = next((COLOUR_HUES[w] for w in words if w in COLOUR_HUES), None)
    return Scene(value, make_palette(value, topic, colour), topic)
