"""Projects (a short being made), their scenes, and the undo log of edits."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS, DEFAULT_ASPECT
from fluxnote.sqltypes import UTCDateTime, utcnow


class Project(db.Model):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    title: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(500))
    source_text: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2000))  # the article it was made from
    writer: Mapped[str] = mapped_column(String(120), default="offline")
    voice: Mapped[str] = mapped_column(String(80))
    caption_style: Mapped[str] = mapped_column(String(40))
    caption_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    aspect: Mapped[str] = mapped_column(String(8), default=DEFAULT_ASPECT)
    layout: Mapped[str] = mapped_column(String(20), default="full")
    visuals: Mapped[str] = mapped_column(String(20), default="offline")
    visual_model: Mapped[str | None] = mapped_column(String(80))
    music_track: Mapped[str | None] = mapped_column(String(80))
    music_volume: Mapped[float] = mapped_column(Float, default=0.25)
    music_ducking: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(12), default="building")  # building|ready|failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(300))
    generation_ids: Mapped[list] = mapped_column(JSON, default=list)
    narration_key: Mapped[str | None] = mapped_column(String(200))  # assembled voiceover
    narration_sig: Mapped[str | None] = mapped_column(String(64))  # of the scenes it was built from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    scenes: Mapped[list["Scene"]] = relationship(
        back_populates="project", order_by="Scene.position", cascade="all, delete-orphan"
    )

    @property
    def size(self) -> tuple[int, int]:
        return ASPECTS[self.aspect]

    @property
    def scaffold_script(self) -> bool:
        """Whether the script came from the offline writer and the topic alone (no LLM, no
        pasted text or article, whose text is kept in `source_text`): template sentences
        that cannot know any fact."""
        return self.writer.startswith("offline") and not self.source_text

    @property
    def duration_s(self) -> float:
        return round(sum(s.duration for s in self.scenes), 2)


class Scene(db.Model):
    """One scene: its narration text, a visual, a narration clip with word timings.

    `words` are `{"text", "start", "end"}` in seconds from the start of `audio_key`'s
    file; the scene plays the narration from `trim_start` to its end minus `trim_end`.
    Split scenes share one narration file with different trims, so no TTS re-runs.
    """

    __tablename__ = "scenes"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    visual_prompt: Mapped[str | None] = mapped_column(String(500))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    generation_id: Mapped[int | None] = mapped_column()  # a visual still being generated
    audio_key: Mapped[str | None] = mapped_column(String(200))
    audio_duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    words: Mapped[list] = mapped_column(JSON, default=list)
    trim_start: Mapped[float] = mapped_column(Float, default=0.0)
    trim_end: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s: Mapped[float | None] = mapped_column(Float)  # set by the creator; else narration
    # stock footage: {"terms": [...], "options": [item...], "chosen": i, "pending": i|None,
    # "note": why there is none}; options[0..3] are what the studio offers to swap in
    stock: Mapped[dict | None] = mapped_column(JSON)

    project: Mapped[Project] = relationship(back_populates="scenes")

    @property
    def narration_s(self) -> float:
        """Seconds of narration this scene plays after trims."""
        return max(0.0, self.audio_duration_s - self.trim_start - self.trim_end)

    @property
    def duration(self) -> float:
        if self.duration_s:
            return round(self.duration_s, 2)
        return round(max(self.narration_s + TAIL_S, MIN_SCENE_S), 2)

    def indexed_words(self) -> list[tuple[int, dict]]:
        """(index into `words`, word) for the words this scene plays, file times."""
        end = self.trim_start + min(self.narration_s, self.duration)
        return [
            (i, w)
            for i, w in enumerate(self.words or [])
            if self.trim_start - 0.01 <= w["start"] < end
        ]

    def visible_words(self) -> list[dict]:
        """Words inside the trimmed narration, times relative to the scene start."""
        end = self.trim_start + min(self.narration_s, self.duration)
        return [
            dict(
                w,
                start=round(max(0.0, w["start"] - self.trim_start), 3),
                end=round(min(w["end"], end) - self.trim_start, 3),
            )
            for _, w in self.indexed_words()
        ]


TAIL_S = 0.25
MIN_SCENE_S = 1.0


class ProjectEdit(db.Model):
    """The state of a project before one edit: undo restores the newest and drops it."""

    __tablename__ = "project_edits"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
