"""Script writers: the offline template writer (default) and an OpenAI-compatible LLM.

`write_script(template, topic, source_text)` picks the LLM when `OPENAI_BASE_URL` or
`OPENAI_API_KEY` is configured (OpenAI, or a local llama.cpp / Ollama server), else the
offline writer. An LLM failure falls back to the offline writer and says so in
`Script.writer`, so a creator always gets a script and can see who wrote it.
"""

import json
import logging
import random
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app
from wordfreq import zipf_frequency

from fluxnote.studio.summary import key_phrase, sentences, summarise, weight
from fluxnote.studio.templates import Template

log = logging.getLogger(__name__)


@dataclass
class Script:
    title: str
    scenes: list[str]
    writer: str = "offline"
    prompts: list[str] = field(default_factory=list)  # one visual prompt per scene
    terms: list[list[str]] = field(default_factory=list)  # stock search terms per scene


class WriterError(Exception):
    """The LLM endpoint failed or answered something that is not a script."""


def llm_endpoint() -> str | None:
    """Where scripts are written, when an LLM is connected (OPENAI_BASE_URL, or OpenAI
    itself with OPENAI_API_KEY); None means the offline writer."""
    config = current_app.config
    if config.get("OPENAI_BASE_URL"):
        return config["OPENAI_BASE_URL"]
    return "OpenAI" if config["PROVIDER_KEYS"].get("OPENAI_API_KEY") else None


def write_script(template: Template, topic: str | None, source_text: str | None) -> Script:
    """A script for `template` from a topic or pasted text (at least one is non-empty)."""
    if llm_endpoint():
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

ATTEMPTS = 3  # the first answer and two repairs


def llm_script(template: Template, topic: str | None, source_text: str | None) -> Script:
    """Ask the configured chat endpoint for a script as JSON of SCRIPT_SCHEMA (structured
    output); an answer that is not JSON, breaks the schema, has the wrong number of
    scenes or never mentions what the topic is about is sent back with the problem, up
    to ATTEMPTS times. WriterError when the endpoint fails or every answer is unusable."""
    import openai

    client = openai.OpenAI(
        base_url=current_app.config.get("OPENAI_BASE_URL") or None,
        api_key=current_app.config["PROVIDER_KEYS"].get("OPENAI_API_KEY") or "none",
        timeout=90,
        max_retries=1,
    )
    model = current_app.config["WRITER_MODEL"]
    messages = [
        {"role": "system", "content": _system_prompt(template, bool(source_text))},
        {"role": "user", "content": _user_prompt(topic, source_text)},
    ]
    structured = True
    for _ in range(ATTEMPTS):
        content, structured = _ask(client, model, messages, len(template.structure), structured)
        try:
            return _parse_reply(content, template, model, topic if not source_text else None)
        except WriterError as exc:
            problem = str(exc)
            log.info("LLM script refused (%s), asking again", problem)
        messages += [
            {"role": "assistant", "content": content[:4000]},
            {"role": "user", "content": f"That answer cannot be used: {problem}. {_REPAIR}"},
        ]
    raise WriterError(f"the model answered badly {ATTEMPTS} times: {problem}")


_REPAIR = "Answer again with only the JSON object, following the schema exactly."


def _ask(client, model: str, messages: list, scenes: int, structured: bool) -> tuple[str, bool]:
    """One chat completion; (content, whether structured output is in use). A server
    that refuses `response_format` (older llama.cpp / Ollama) is asked again without it;
    the prompt carries the schema either way."""
    import openai

    kwargs = {"model": model, "temperature": 0.7, "messages": messages}
    try:
        if structured:
            try:
                reply = client.chat.completions.create(**kwargs, response_format=_response_format())
            except openai.BadRequestError:
                structured = False
        if not structured:
            reply = client.chat.completions.create(**kwargs)
        return reply.choices[0].message.content or "", structured
    except (openai.OpenAIError, IndexError, AttributeError) as exc:
        raise WriterError(f"{exc.__class__.__name__}: {exc}"[:200]) from exc


def script_schema(scenes: int | None = None) -> dict:
    """The JSON schema of a script; with `scenes`, also its exact scene count (what the
    answer is checked against; OpenAI's strict mode takes the schema without counts)."""
    scene = {
        "type": "object",
        "additionalProperties": False,
        "required": ["text", "search_terms", "image_prompt"],
        "properties": {
            "text": {"type": "string", "description": "the spoken narration of the scene"},
            "search_terms": {
                "type": "array",
                "items": {"type": "string"},
                "description": "1-3 short stock-footage searches for what is shown",
            },
            "image_prompt": {"type": "string", "description": "a picture of the scene"},
        },
    }
    scenes_schema = {"type": "array", "items": scene}
    if scenes:
        scenes_schema |= {"minItems": scenes, "maxItems": scenes}
        scene["properties"]["text"] |= {"minLength": 2}
        scene["properties"]["search_terms"] |= {"minItems": 1}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "scenes"],
        "properties": {"title": {"type": "string"}, "scenes": scenes_schema},
    }


def _response_format() -> dict:
    return {
        "type": "json_schema",
        "json_schema": {"name": "video_script", "strict": True, "schema": script_schema()},
    }


def _system_prompt(template: Template, from_source: bool) -> str:
    facts = (
        "Use only facts stated in the text you are given."
        if from_source
        else "Answer the topic itself with specific, true facts (names, numbers, how it "
        "works); if it is a question, answer it within the first two scenes."
    )
    return (
        f"You write voiceover scripts for {template.target_s}-second vertical videos in the "
        f"style '{template.name}': {template.description} Write exactly "
        f"{len(template.structure)} scenes following this structure: "
        f"{', '.join(template.structure)}. About {template.words_per_scene} spoken words per "
        f"scene, plain sentences, no emojis, no stage directions, no filler. {facts} "
        "For each scene give 1-3 short stock-footage search terms naming what can be "
        'filmed ("octopus swimming", "coral reef"), and an image prompt describing one '
        "picture. Answer only with JSON matching this schema: "
        + json.dumps(script_schema(len(template.structure)))
    )


def _user_prompt(topic: str | None, source_text: str | None) -> str:
    if source_text:
        about = f" about {topic}" if topic else ""
        return f"Turn this text into the script{about}:\n\n{source_text[:12000]}"
    return f"Topic: {topic}"


def _parse_reply(content: str, template: Template, model: str, topic: str | None) -> Script:
    """The script in an answer (JSON, possibly wrapped in prose or a code fence).
    WriterError naming the problem otherwise."""
    import jsonschema

    match = re.search(r"\{.*\}", content, re.S)
    try:
        data = json.loads(match.group(0) if match else content)
    except ValueError:
        raise WriterError("it is not a JSON object") from None
    try:
        jsonschema.validate(data, script_schema(len(template.structure)))
    except jsonschema.ValidationError as exc:
        raise WriterError(_schema_problem(exc, len(template.structure))) from None
    scenes = [" ".join(s["text"].split()) for s in data["scenes"]]
    missing = _missing_topic_words(topic, " ".join(scenes)) if topic else []
    if missing:
        raise WriterError(f"the script never mentions {', '.join(missing)}: write about the topic")
    return Script(
        title=_title(" ".join(data["title"].split())[:200] or scenes[0]),
        scenes=scenes,
        writer=f"llm:{model}",
        prompts=[
            f"{s['image_prompt'] or t}, {template.visual_style}"
            for s, t in zip(data["scenes"], scenes, strict=True)
        ],
        terms=[
            [t.strip().lower()[:60] for t in s["search_terms"] if t.strip()][:3]
            for s in data["scenes"]
        ],
    )


def _schema_problem(exc, scenes: int) -> str:
    """The first schema violation in words a model can act on (no echo of its answer)."""
    where = "/".join(str(p) for p in exc.absolute_path) or "the answer"
    if where == "scenes" and exc.validator in ("minItems", "maxItems"):
        return f"write exactly {scenes} scenes, not {len(exc.instance)}"
    if exc.validator == "required":
        return f"{where} lacks {exc.message.split(' is a required')[0]}"
    return f"{where}: {exc.validator} {exc.validator_value!r} is not met"[:200]


def _missing_topic_words(topic: str, text: str) -> list[str]:
    """The topic's content words the text never uses (compared by their first five
    letters, so "hearts" is met by "heart" and "octopuses" by "octopus")."""
    said = {w.lower()[:5] for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", topic)
    return [w for w in words if len(w) > 3 and weight(w) > 0 and w.lower()[:5] not in said]
