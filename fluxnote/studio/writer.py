"""Script writers: the offline template writer (default) and an OpenAI-compatible LLM.

`write_script(template, topic, source_text)` picks the LLM when `OPENAI_BASE_URL` or
`OPENAI_API_KEY` is configured (OpenAI, or a local llama.cpp / Ollama server), else the
offline writer. An LLM failure falls back to the offline writer and says so in
`Script.writer`, so a creator always gets a script and can see who wrote it.
"""
import json
import logging
import os
import random
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app
from wordfreq import zipf_frequency

from fluxnote.studio.summary import key_phrase, sentences, summarise
from fluxnote.studio.templates import Template

log = logging.getLogger(__name__)


@dataclass
class Script:
    title: str
    scenes: list[str]
    writer: str = "offline"
    prompts: list[str] = field(default_factory=list)  # one visual prompt per scene


class WriterError(Exception):
    """The LLM endpoint failed or answered something that is not a script."""


def write_script(template: Template, topic: str | None, source_text: str | None) -> Script:
    """A script for `template` from a topic or pasted text (at least one is non-empty)."""
    if current_app.config.get("OPENAI_BASE_URL") or current_app.config["PROVIDER_KEYS"].get("OPENAI_API_KEY"):
        try:
            return llm_script(template, topic, source_text)
        except WriterError as exc:
            log.warning("LLM writer failed, using the offline writer: %s", exc)
            script = offline_script(template, topic, source_text)
            script.writer = f"offline (LLM failed: {str(exc)[:60]})"
            return script
    return offline_script(template, topic, source_text)


# -- offline ---------------------------------------------------------------------------

@lru_cache
def _phrases() -> dict[str, list[str]]:
    return json.loads((Path(__file__).parent / "phrases.json").read_text())


def offline_script(template: Template, topic: str | None, source_text: str | None) -> Script:
    """Template-driven writing from the topic, or an extractive summary of pasted text."""
    if source_text and source_text.strip():
        return _from_source(template, source_text, topic)
    topic = _clean_topic(topic or "")
    rng = random.Random(zlib.crc32(f"{template.id}:{topic}".encode()))
    slots = {"topic": topic, "key": key_phrase(topic)}
    used: set[str] = set()
    items = sum(1 for s in template.structure if s == "item")
    scenes = []
    for section in template.structure:
        n = items - sum(1 for s in scenes if s.startswith("Number ")) if section == "item" else 0
        scenes.append(_scene_text(section, template.words_per_scene, rng, used, dict(slots, n=n)))
    return Script(title=_title(topic), scenes=scenes, prompts=_prompts(template, topic, scenes))


def _scene_text(section: str, words: int, rng: random.Random, used: set[str], slots: dict) -> str:
    """One or two unused sentences of `section` adding up to about `words` words."""
    pool = [p for p in _phrases()[section] if p not in used] or _phrases()[section]
    first = rng.choice(pool)
    used.add(first)
    text = _fill(first, slots)
    while len(text.split()) < words * 0.8:
        more = [p for p in _more(section) if p not in used]
        if not more:
            break
        used.add(pick := rng.choice(more))
        text += " " + _fill(pick, slots)
    return text


def _more(section: str) -> list[str]:
    """Follow-up sentences for a section: its `_more` pool, else more of its own kind."""
    phrases = _phrases()
    return phrases.get(f"{section}_more") or (phrases[section] if section in MULTI else [])


MULTI = {"point", "story", "fact", "benefit", "line", "context", "next"}


def _fill(pattern: str, slots: dict) -> str:
    text = pattern.format(**slots)
    return text[0].upper() + text[1:]


def _from_source(template: Template, source_text: str, topic: str | None) -> Script:
    body = summarise(source_text, template.word_budget)
    title = _clean_topic(topic or "") or (sentences(source_text) or ["Untitled"])[0]
    scenes = _chunk(body, template.words_per_scene)
    if template.structure[-1] in ("cta", "question"):
        scenes.append(_phrases()[template.structure[-1]][0])
    return Script(title=_title(title), scenes=scenes, prompts=_prompts(template, title, scenes))


def _chunk(sents: list[str], words_per_scene: int) -> list[str]:
    """Group sentences into scenes of about `words_per_scene` words, never splitting one."""
    scenes, current = [], []
    for s in sents:
        if current and len(" ".join(current + [s]).split()) > words_per_scene * 1.3:
            scenes.append(" ".join(current))
            current = []
        current.append(s)
    if current:
        scenes.append(" ".join(current))
    return scenes


def _clean_topic(topic: str) -> str:
    """The topic as it reads mid-sentence: "Why cats purr" -> "why cats purr" (a proper
    noun like "Tesla" keeps its capital: only common English first words are lowered)."""
    topic = " ".join(topic.split()).strip(" .!?")
    first = topic.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and zipf_frequency(first.lower(), "en") >= 5.0:
        topic = topic[0].lower() + topic[1:]
    return topic


def _title(text: str) -> str:
    text = text if len(text) <= 80 else text[:77].rsplit(" ", 1)[0] + "…"
    return (text[:1].upper() + text[1:]) or "Untitled"


def _prompts(template: Template, topic: str, scenes: list[str]) -> list[str]:
    """A visual prompt per scene: the topic, the scene's own key phrase, the template's look."""
    return [f"{topic}, {key_phrase(s)}, {template.visual_style}"[:300] for s in scenes]


# -- LLM (OpenAI-compatible chat completions) ------------------------------------------

def llm_script(template: Template, topic: str | None, source_text: str | None) -> Script:
    """Ask the configured chat endpoint for a JSON script. WriterError on any failure."""
    import openai
    client = openai.OpenAI(base_url=current_app.config.get("OPENAI_BASE_URL") or None,
                           api_key=current_app.config["PROVIDER_KEYS"].get("OPENAI_API_KEY") or "none",
                           timeout=60, max_retries=1)
    model = os.environ.get("FLUXNOTE_WRITER_MODEL", "gpt-4o-mini")
    try:
        reply = client.chat.completions.create(model=model, temperature=0.7, messages=[
            {"role": "system", "content": _system_prompt(template)},
            {"role": "user", "content": _user_prompt(topic, source_text)}])
        content = reply.choices[0].message.content or ""
    except openai.OpenAIError as exc:
        raise WriterError(f"{exc.__class__.__name__}: {exc}") from exc
    return _parse_reply(content, template, model)


def _system_prompt(template: Template) -> str:
    return (f"You write voiceover scripts for {template.target_s}-second vertical videos in the "
            f"style '{template.name}': {template.description} Use exactly {len(template.structure)} "
            f"scenes following this structure: {', '.join(template.structure)}. About "
            f"{template.words_per_scene} spoken words per scene, plain sentences, no emojis, no "
            "stage directions. Answer only with JSON: "
            '{"title": str, "scenes": [{"text": str, "visual": str}]} where visual describes an image.')


def _user_prompt(topic: str | None, source_text: str | None) -> str:
    if source_text:
        return f"Turn this text into the script{f' about {topic}' if topic else ''}:\n\n{source_text[:12000]}"
    return f"Topic: {topic}"


def _parse_reply(content: str, template: Template, model: str) -> Script:
    match = re.search(r"\{.*\}", content, re.S)
    try:
        data = json.loads(match.group(0) if match else content)
        scenes = [str(s["text"]).strip() for s in data["scenes"] if str(s.get("text", "")).strip()]
        prompts = [str(s.get("visual") or s["text"])[:300] for s in data["scenes"] if str(s.get("text", "")).strip()]
    except (ValueError, KeyError, TypeError) as exc:
        raise WriterError(f"the model did not answer with a script ({exc.__class__.__name__})") from exc
    if not scenes:
        raise WriterError("the model answered with no scenes")
    title = _title(str(data.get("title") or scenes[0])[:200])
    return Script(title=title, scenes=scenes, writer=f"llm:{model}",
                  prompts=[f"{p}, {template.visual_style}" for p in prompts])
