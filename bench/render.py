"""Render benchmark: FluxNote's render paths on the same 60 s, 6-scene project, in one run.

    .venv/bin/python bench/render.py [--preset veryfast] [--baselines]

Content: 1080x1920 at 30 fps, a new image every 10 s with camera moves, karaoke captions
(~2.5 words/s), a voice-like narration and music ducked under it. Measured, each in its
own process (CPU-seconds and peak RSS are its own, encoder children included):

- single: today's single-pass compose();
- segmented: the segment pipeline on one worker, empty cache (plan, every segment, the
  soundtrack, join);
- edit: the same project after a one-scene text edit (that scene's captions and
  narration changed), on the segmented run's cache;
- preview: the same project as a preview (540 px wide, ultrafast), same cache;
- two workers: two worker processes taking pieces from one render (empty cache), the
  join done by the coordinator: CPU-seconds per video-second and wall speedup;
- edit, two workers: the one-scene edit on the two workers' cache, two worker processes
  (what `fluxnote serve` starts): its segment and its soundtrack are made at once;
- loudness of the finished mix (ffmpeg ebur128) and the music under the voice.
--baselines adds an ffmpeg-only pipeline and the naive moviepy composition.
Wall times swing with the shared CPU; compare the ratios, taken in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENE_S = 10.0  # six scenes in 60 s
MOTIONS = ("zoom_in", "pan_left", "zoom_out", "pan_right")
WIDTH, HEIGHT, FPS = 1080, 1920, 30


def make_content(folder: Path, seconds: float = 60.0) -> None:
    """Images, narration, music and word timings for `seconds` of video."""
    from dataclasses import replace

    from tests.render.media import make_image, make_music, make_voice, timed_words

    lexicon = [
        "creators",
        "ship",
        "short",
        "videos",
        "faster",
        "when",
        "captions",
        "follow",
        "every",
        "spoken",
        "word",
        "and",
        "the",
        "camera",
        "keeps",
        "moving",
        "slowly",
        "across",
        "each",
        "picture",
        "while",
        "music",
        "stays",
        "under",
        "the",
        "voice",
        "so",
        "nothing",
        "fights",
        "for",
        "attention",
    ]
    text = " ".join(lexicon[i % len(lexicon)] for i in range(int(seconds * 2.5)))
    words = timed_words(text, start=0.3, per_word=0.4)
    words = [w for w in words if w.end < seconds - 0.2]
    # each scene's narration ends a sentence (as a script's scenes do): caption pages
    # break there, so a page never straddles two scenes
    last = {int(w.start // SCENE_S): i for i, w in enumerate(words)}
    words = [
        replace(w, text=w.text + ".") if i in last.values() else w for i, w in enumerate(words)
    ]
    for i in range(int(seconds / SCENE_S)):
        make_image(folder / f"scene{i:02d}.png", i, (1080, 1920))
    make_voice(folder / "voice.wav", words, seconds)
    make_music(folder / "music.wav", 20.0)
    (folder / "words.json").write_text(json.dumps([[w.text, w.start, w.end] for w in words]))


def load_words(folder: Path, seconds: float):
    from fluxnote.media.timeline import Word

    return [
        Word(t, s, e)
        for t, s, e in json.loads((folder / "words.json").read_text())
        if e < seconds - 0.2
    ]


def build_spec(folder: Path, seconds: float, preset: str):
    from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec

    count = int(round(seconds / SCENE_S))
    scenes = [
        SceneSpec(
            folder / f"scene{i:02d}.png", "image", i * SCENE_S, SCENE_S, motion=MOTIONS[i % 4]
        )
        for i in range(count)
    ]
    return RenderSpec(
        width=WIDTH,
        height=HEIGHT,
        duration=seconds,
        scenes=scenes,
        narration_path=folder / "voice.wav",
        music_path=folder / "music.wav",
        captions=CaptionSpec("karaoke", {}, load_words(folder, seconds)),
        preset=preset,
    )


# -- the three pipelines ---------------------------------------------------------------
def run_ours(folder: Path, seconds: float, preset: str, out: Path) -> None:
    from fluxnote.render.compose import compose

    compose(build_spec(folder, seconds, preset), out)


def run_naive(folder: Path, seconds: float, preset: str, out: Path) -> None:
    """The docs' way: Resize-based zoom, one TextClip per word, CompositeVideoClip,
    write_videofile."""
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        vfx,
    )

    from fluxnote.captions.layout import paginate
    from fluxnote.media.fonts import font_path

    spec = build_spec(folder, seconds, preset)
    font = str(font_path("Roboto Black"))
    clips = []
    for scene in spec.scenes:
        zoom = (
            (lambda t: 1 + 0.03 * t) if scene.motion != "zoom_out" else (lambda t: 1.15 - 0.03 * t)
        )
        clips.append(
            ImageClip(str(scene.visual_path))
            .with_start(scene.start)
            .with_duration(scene.duration)
            .with_effects([vfx.Resize(zoom)])
            .with_position("center")
        )
    for page in paginate(spec.captions.words, 4):
        x, y = 90, 1250
        for word in page.words:
            text = word.text.upper()
            style = {
                "font": font,
                "text": text,
                "font_size": 84,
                "stroke_color": "black",
                "stroke_width": 7,
            }
            base = TextClip(color="white", **style)
            if x + base.w > WIDTH - 60:
                x, y = 90, y + 110
            clips.append(
                base.with_start(page.start)
                .with_duration(page.end - page.start)
                .with_position((x, y))
            )
            clips.append(
                TextClip(color="#ffd60a", **style)
                .with_start(word.start)
                .with_duration(max(word.end - word.start, 0.05))
                .with_position((x, y))
            )
            x += base.w + 20
    with (
        AudioFileClip(str(spec.narration_path)) as voice,
        AudioFileClip(str(spec.music_path)) as music,
    ):
        from moviepy.audio.fx import AudioLoop

        audio = CompositeAudioClip(
            [
                voice.with_duration(seconds),
                music.with_effects([AudioLoop(duration=seconds)]).with_volume_scaled(0.15),
            ]
        )
        video = (
            CompositeVideoClip(clips, size=(WIDTH, HEIGHT)).with_duration(seconds).with_audio(audio)
        )
        video.write_videofile(
            str(out),
            fps=FPS,
            codec="libx264",
            audio_codec="aac",
            preset=preset,
            ffmpeg_params=["-movflags", "+faststart"],
            logger=None,
            temp_audiofile_path=str(out.parent),
        )
        video.close()


def run_ffmpeg(folder: Path, seconds: float, preset: str, out: Path) -> None:
    """zoompan per image + libass karaoke captions + sidechain-ducked music, one ffmpeg."""
    from fluxnote.media.ffmpeg import ffmpeg_exe
    from fluxnote.media.fonts import FONT_DIR
    from fluxnote.render.audio import DUCK

    spec = build_spec(folder, seconds, preset)
    ass = out.with_suffix(".ass")
    ass.write_text(_ass_karaoke(spec))
    frames = int(SCENE_S * FPS)
    cmd = [ffmpeg_exe(), "-y", "-loglevel", "error"]
    chains = []
    for i, scene in enumerate(spec.scenes):
        cmd += ["-i", str(scene.visual_path)]
        z, x = {
            "zoom_in": (f"1+0.15*on/{frames}", "iw/2-(iw/zoom/2)"),
            "zoom_out": (f"1.15-0.15*on/{frames}", "iw/2-(iw/zoom/2)"),
            "pan_left": ("1.12", f"(iw-iw/zoom)*(1-on/{frames})"),
            "pan_right": ("1.12", f"(iw-iw/zoom)*on/{frames}"),
        }[scene.motion]
        chains.append(
            f"[{i}:v]scale=1242:2208,zoompan=z='{z}':x='{x}':y='ih/2-(ih/zoom/2)':d={frames}"
            f":s={WIDTH}x{HEIGHT}:fps={FPS}[v{i}]"
        )
    n = len(spec.scenes)
    cmd += ["-i", str(spec.narration_path), "-stream_loop", "-1", "-i", str(spec.music_path)]
    chains.append(
        "".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0,"
        f"ass={ass}:fontsdir={FONT_DIR}[v]"
    )
    chains.append(
        f"[{n + 1}:a]atrim=0:{seconds},volume=0.15,aformat=channel_layouts=stereo[m];"
        f"[{n}:a]aformat=channel_layouts=stereo,asplit=2[n1][n2];"
        f"[m][n1]{DUCK}[duck];"
        "[duck][n2]amix=inputs=2:duration=first:normalize=0[a]"
    )
    cmd += [
        "-filter_complex",
        ";".join(chains),
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-movflags",
        "+faststart",
        str(out),
    ]
    subprocess.run(cmd, check=True)


def _ass_karaoke(spec) -> str:
    from fluxnote.captions.layout import paginate

    def ts(t: float) -> str:
        return f"{int(t // 3600)}:{int(t % 3600 // 60):02d}:{t % 60:05.2f}"

    lines = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {WIDTH}",
        f"PlayResY: {HEIGHT}",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        "Style: K,Roboto Black,84,&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,7,3,"
        "5,90,90,0,1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for page in paginate(spec.captions.words, 4):
        for i, word in enumerate(page.words):
            end = page.words[i + 1].start if i + 1 < len(page.words) else page.end
            text = " ".join(
                (r"{\c&H0AD6FF&}" + w.text.upper() + r"{\c&HFFFFFF&}") if j == i else w.text.upper()
                for j, w in enumerate(page.words)
            )
            lines.append(
                f"Dialogue: 0,{ts(word.start)},{ts(end)},K,,0,0,0,,{{\\pos(540,1344)}}{text}"
            )
    return "\n".join(lines) + "\n"


# -- the segment pipeline, as the render jobs run it -------------------------------------
def edited_spec(folder: Path, seconds: float, preset: str, edited_scene: int = 2):
    """The project after a text edit of one scene: its words and its narration change."""
    edited_scene = min(edited_scene, int(round(seconds / SCENE_S)) - 1)
    from dataclasses import replace

    from fluxnote.media.audio import read_wav, write_wav
    from fluxnote.render.spec import CaptionSpec

    spec = build_spec(folder, seconds, preset)
    a, b = edited_scene * SCENE_S, (edited_scene + 1) * SCENE_S
    words = [
        replace(w, text="rewritten" + w.text[len(w.text.rstrip(".")) :]) if a <= w.start < b else w
        for w in spec.captions.words
    ]
    voice = folder / "voice-edited.wav"
    if not voice.exists():
        samples, rate = read_wav(folder / "voice.wav")
        samples[int(a * rate) : int(b * rate)] *= 0.8
        write_wav(voice, samples, rate)
    return replace(spec, captions=CaptionSpec("karaoke", {}, words), narration_path=voice)


def preview_spec(folder: Path, seconds: float, preset: str):
    from dataclasses import replace

    return replace(build_spec(folder, seconds, preset), width=540, height=960, preset="ultrafast")


def pieces_of(spec, cache: Path) -> list[tuple[str, Path]]:
    """(kind, stored path) of every piece of the render, as the planner names them."""
    from fluxnote.render import segments

    plan = segments.plan(spec)
    names = [_content(spec.narration_path), _content(spec.music_path)]
    audio = cache / f"{segments.soundtrack_key(spec, *names)}.m4a"
    return [("video", cache / f"{s.key}.mp4") for s in plan] + [("audio", audio)]


def make_piece(spec, kind: str, path: Path) -> None:
    from fluxnote.render import segments
    from fluxnote.render.audio import write_soundtrack

    if kind == "audio":
        write_soundtrack(spec, path)
        return
    segment = next(s for s in segments.plan(spec) if s.key == path.stem)
    segments.encode_segment(spec, segment, path)


def join_pieces(spec, cache: Path, out: Path) -> None:
    from fluxnote.render import segments

    pieces = pieces_of(spec, cache)
    videos = [path for kind, path in pieces if kind == "video"]
    segments.join(videos, pieces[-1][1], out)


def run_segmented(folder: Path, seconds: float, preset: str, out: Path, spec=None) -> dict:
    """One worker: make the missing pieces in order, then join."""
    spec = spec or build_spec(folder, seconds, preset)
    cache = folder / "cache"
    cache.mkdir(exist_ok=True)
    made = 0
    for kind, path in pieces_of(spec, cache):
        if not path.exists():
            make_piece(spec, kind, path)
            made += kind == "video"
    join_pieces(spec, cache, out)
    return {"encoded": made, "segments": len(pieces_of(spec, cache)) - 1}


def run_edit(folder: Path, seconds: float, preset: str, out: Path) -> dict:
    return run_segmented(folder, seconds, preset, out, edited_spec(folder, seconds, preset))


def run_preview(folder: Path, seconds: float, preset: str, out: Path) -> dict:
    return run_segmented(folder, seconds, preset, out, preview_spec(folder, seconds, preset))


def run_worker(folder: Path, seconds: float, preset: str, out: Path, spec=None) -> dict:
    """One of several workers on one render: claim pieces (a lock file each, as a piece
    row is claimed by a conditional update) until none is left."""
    spec = spec or build_spec(folder, seconds, preset)
    cache = folder / "cache2"
    made = []
    for kind, path in pieces_of(spec, cache):
        try:
            os.close(os.open(path.with_suffix(".claim"), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        make_piece(spec, kind, path)
        made.append(kind)
    return {"made": made}


def run_worker_edit(folder: Path, seconds: float, preset: str, out: Path) -> dict:
    """A worker on the edited project's render, on the two workers' cache."""
    return run_worker(folder, seconds, preset, out, edited_spec(folder, seconds, preset))


def _content(path: Path | None) -> str | None:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest() if path else None


PIPELINES = {
    "single": run_ours,
    "segmented": run_segmented,
    "edit": run_edit,
    "preview": run_preview,
    "worker": run_worker,
    "worker-edit": run_worker_edit,
    "ffmpeg": run_ffmpeg,
    "naive": run_naive,
}


def measure(kind: str, folder: Path, seconds: float, preset: str) -> dict:
    """Run one pipeline in this process and return its figures."""
    out = folder / f"{kind}-{int(seconds)}-{os.getpid()}.mp4"
    start = time.perf_counter()
    extra = PIPELINES[kind](folder, seconds, preset, out) or {}
    wall = time.perf_counter() - start
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return {
        "kind": kind,
        "seconds": seconds,
        "wall": wall,
        "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
        "py_cpu": me.ru_utime + me.ru_stime,
        "rss_mb": _own_peak_rss_mb(),
        "child_rss_mb": kids.ru_maxrss / 1024,
        "bytes": out.stat().st_size if out.exists() else 0,
        "out": str(out),
        **extra,
    }


def _own_peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). ru_maxrss is not used for it: Linux carries the
    parent's high-water mark across fork+exec, which would charge the bench driver's
    memory to every pipeline."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _command(kind: str, folder: Path, seconds: float, preset: str) -> list[str]:
    return [
        sys.executable,
        __file__,
        "--one",
        kind,
        "--folder",
        str(folder),
        "--seconds",
        str(seconds),
        "--preset",
        preset,
    ]


def in_subprocess(kind: str, folder: Path, seconds: float, preset: str) -> dict:
    answer = subprocess.run(
        _command(kind, folder, seconds, preset), capture_output=True, text=True, check=True
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def two_workers(folder: Path, seconds: float, preset: str, edit: bool = False) -> dict:
    """Two warm worker processes on one render (empty cache; with `edit`, the edited
    project on what the full render stored), then the join: wall from the workers' "go" to
    the joined file; CPU summed over everything."""
    (folder / "cache2").mkdir(exist_ok=True)
    kind, out = ("worker-edit", "two-workers-edit.mp4") if edit else ("worker", "two-workers.mp4")
    procs = [
        subprocess.Popen(
            _command(kind, folder, seconds, preset),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    start = time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    workers = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.process_time()
    spec = (edited_spec if edit else build_spec)(folder, seconds, preset)
    join_pieces(spec, folder / "cache2", folder / out)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    join_cpu = (
        (time.process_time() - t0)
        + (after.ru_utime + after.ru_stime)
        - (before.ru_utime + before.ru_stime)
    )
    return {
        "kind": "edit, 2 wkrs" if edit else "2 workers",
        "seconds": seconds,
        "wall": time.perf_counter() - start,
        "cpu": sum(w["cpu"] for w in workers) + join_cpu,
        "py_cpu": sum(w["py_cpu"] for w in workers),
        "rss_mb": max(w["rss_mb"] for w in workers),
        "child_rss_mb": max(w["child_rss_mb"] for w in workers),
        "bytes": (folder / out).stat().st_size,
        "made": [w["made"] for w in workers],
    }


def loudness_figures(folder: Path, single_out: Path) -> list[str]:
    """ebur128 on the finished video, and the music under the voice from the stems."""
    from fluxnote.render.audio import measure as loudness
    from fluxnote.render.audio import write_stems

    lines = []
    mix = loudness(single_out)
    lines.append(
        f"bench video: {mix.integrated:.1f} LUFS integrated, true peak {mix.true_peak:.1f} dBTP, "
        f"LRA {mix.lra:.1f} LU"
    )
    spec = build_spec(folder, 60.0, "veryfast")
    with tempfile.TemporaryDirectory() as tmp:
        stems = write_stems(spec, Path(tmp))
        voice, music = loudness(stems.voice), loudness(stems.music)
    lines.append(
        f"bench stems: voice {voice.integrated:.1f} LUFS, ducked music {music.integrated:.1f} "
        f"LUFS ({voice.integrated - music.integrated:.1f} LU under the voice)"
    )
    return lines + template_loudness(folder)


def template_loudness(folder: Path) -> list[str]:
    """Every template's music under a real (piper) narration, mastered: ebur128 figures."""
    from fluxnote.media.audio import write_wav
    from fluxnote.music.services import track_path, tracks
    from fluxnote.render.audio import measure as loudness
    from fluxnote.render.audio import write_soundtrack, write_stems
    from fluxnote.render.spec import RenderSpec, SceneSpec
    from fluxnote.voice.normalize import tokenize
    from fluxnote.voice.piper_tts import synthesize

    speech = synthesize(
        tokenize(
            "Octopuses have three hearts. Two pump blood through the gills, and one sends "
            "it around the rest of the body. When an octopus swims, the main heart stops."
        )
    )
    narration = write_wav(folder / "piper.wav", speech.samples, speech.sample_rate)
    templates = json.loads((ROOT / "fluxnote/studio/templates.json").read_text())
    lines = []
    for template in templates:
        track = next(t["id"] for t in tracks() if t["mood"] == template["music_mood"])
        spec = RenderSpec(
            width=180,
            height=320,
            duration=speech.duration_s + 2,
            scenes=[SceneSpec(Path("unused.png"), "image", 0.0, speech.duration_s + 2)],
            narration_path=narration,
            music_path=track_path(track, folder),
            music_volume=0.25,
        )
        out = folder / f"mix-{template['id']}.m4a"
        write_soundtrack(spec, out)
        mix = loudness(out)
        with tempfile.TemporaryDirectory() as tmp:
            stems = write_stems(spec, Path(tmp))
            under = loudness(stems.voice).integrated - loudness(stems.music).integrated
        lines.append(
            f"{template['id']:<20} {track:<24} {mix.integrated:6.1f} LUFS {mix.true_peak:6.1f} dBTP"
            f"   music {under:4.1f} LU under the voice"
        )
    return lines


def report(results: dict, preset: str, load: tuple[str, str], loud: list[str]) -> None:
    print(
        f"\n{'run':<11}{'video s':>8}{'wall s':>8}{'x RT':>7}{'CPU s':>8}{'CPU s/s':>9}"
        f"{'py RSS MB':>10}{'ffmpeg RSS':>11}{'MB out':>8}"
    )
    for r in results.values():
        print(
            f"{r['kind']:<11}{r['seconds']:>8.0f}{r['wall']:>8.1f}{r['seconds'] / r['wall']:>7.2f}"
            f"{r['cpu']:>8.1f}{r['cpu'] / r['seconds']:>9.2f}{r['rss_mb']:>10.0f}"
            f"{r['child_rss_mb']:>11.0f}{r['bytes'] / 1e6:>8.1f}"
        )
    single, seg = results["single"], results["segmented"]
    edit, preview, two = results["edit"], results["preview"], results["2 workers"]
    edit2 = results["edit, 2 workers"]
    peak = max(r["rss_mb"] + r["child_rss_mb"] for r in results.values())
    print(f"\npreset {preset}; load average before {load[0]}, after {load[1]}")
    checks = [
        (
            f"one-scene text edit re-render: {edit['wall'] / seg['wall']:.0%} of the full render "
            f"wall, {edit['cpu'] / seg['cpu']:.0%} CPU ({edit['encoded']} of {edit['segments']} "
            "segments encoded)",
            edit["wall"] / seg["wall"] <= 0.25,
            "<= 25 %",
        ),
        (
            f"the same edit with two workers, as `fluxnote serve` runs (its segment and the "
            f"soundtrack at once): {edit2['wall'] / two['wall']:.0%} of their full render "
            f"wall, {edit2['cpu'] / two['cpu']:.0%} CPU; pieces {edit2['made']}",
            edit2["wall"] / two["wall"] <= 0.25,
            "<= 25 %",
        ),
        (
            f"preview: {preview['wall'] / seg['wall']:.0%} of the full render wall, "
            f"{preview['cpu'] / seg['cpu']:.0%} CPU",
            preview["wall"] / seg["wall"] <= 0.20,
            "<= 20 %",
        ),
        (
            f"segmented on one worker vs single pass: {seg['wall'] / single['wall']:.0%} wall, "
            f"{seg['cpu'] / single['cpu']:.0%} CPU",
            seg["wall"] / single["wall"] <= 1.10,
            "<= 110 %",
        ),
        (
            f"two workers on one render: {two['cpu'] / two['seconds']:.2f} CPU-s per video-s "
            f"(one worker {seg['cpu'] / seg['seconds']:.2f}), wall speedup "
            f"{seg['wall'] / two['wall']:.2f}x; pieces {two['made']}",
            True,
            "reported",
        ),
        (f"peak RSS per worker (python + encoder): {peak:.0f} MB", peak <= 1024, "<= 1 GB"),
    ]
    for text, ok, target in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {text}  (target {target})")
    cores = os.cpu_count() or 1
    ideal = seg["cpu"] / cores
    print(
        f"  CPU-bound floor for one render on this machine's {cores} cores: {ideal:.1f} s wall "
        f"({seg['seconds'] / ideal:.2f}x realtime); with N cores and N workers a render of "
        f"k segments needs about max(CPU/N, longest segment) wall"
    )
    if "ffmpeg" in results:
        ffmpeg = results["ffmpeg"]
        print(
            f"  single / ffmpeg-only speed: {ffmpeg['wall'] / single['wall']:.0%} wall, "
            f"{ffmpeg['cpu'] / single['cpu']:.0%} CPU"
        )
    print(
        "\nloudness (ffmpeg ebur128; targets -14 LUFS, true peak <= -1 dBTP, music >= 10 LU under):"
    )
    for line in loud:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--baselines", action="store_true")
    parser.add_argument("--naive-seconds", type=float, default=10.0)
    parser.add_argument("--one", choices=list(PIPELINES))
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="write content and videos here (to look at them)")
    args = parser.parse_args()
    if args.one:
        if args.one.startswith("worker"):  # a warm worker, as in production: wait for "go"
            from fluxnote.render import audio, segments  # noqa: F401

            print("ready", flush=True)
            sys.stdin.readline()
        print(json.dumps(measure(args.one, args.folder, args.seconds, args.preset)))
        return
    with tempfile.TemporaryDirectory(prefix="fluxnote-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        make_content(folder, args.seconds)
        load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
        results = {}
        runs = ["single", "segmented", "edit", "preview"]
        runs += ["ffmpeg", "naive"] if args.baselines else []
        for kind in runs:
            seconds = args.naive_seconds if kind == "naive" else args.seconds
            print(f"running {kind} for {seconds:.0f} s of video...", flush=True)
            results[kind] = in_subprocess(kind, folder, seconds, args.preset)
        print("running two workers on one render...", flush=True)
        results["2 workers"] = two_workers(folder, args.seconds, args.preset)
        print("running the edit with two workers (what `fluxnote serve` starts)...", flush=True)
        results["edit, 2 workers"] = two_workers(folder, args.seconds, args.preset, edit=True)
        load_after = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print("measuring loudness...", flush=True)
        loud = loudness_figures(folder, Path(results["single"]["out"]))
        report(results, args.preset, (load_before, load_after), loud)


if __name__ == "__main__":
    main()
