"""Timing value types shared by speech synthesis, captions and rendering."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """One spoken word and its time span in seconds on the video timeline."""

    text: str
    start: float
    end: float
