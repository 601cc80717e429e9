"""The template catalogue (data in templates.json): structure, pacing, captions, music, layout."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORDS_PER_SECOND = 2.9  # the offline voice's natural pace; sets word budgets


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str
    source: str  # topic | either: whether pasted text is expected
    structure: tuple[str, ...]
    words_per_scene: int
    target_s: int
    caption_style: str
    music_mood: str
    layout: str
    visual_style: str

    @property
    def word_budget(self) -> int:
        return int(self.target_s * WORDS_PER_SECOND)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "structure": list(self.structure),
            "scene_count": len(self.structure),
            "words_per_scene": self.words_per_scene,
            "target_duration_s": self.target_s,
            "caption_style": self.caption_style,
            "music_mood": self.music_mood,
            "layout": self.layout,
        }


@lru_cache
def templates() -> dict[str, Template]:
    rows = json.loads((Path(__file__).parent / "templates.json").read_text())
    return {r["id"]: Template(**{**r, "structure": tuple(r["structure"])}) for r in rows}


def get_template(template_id: str) -> Template | None:
    return templates().get(template_id)
