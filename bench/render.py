"""Render benchmark: FluxNote's compose() against a naive moviepy composition and an
ffmpeg-only pipeline, on the same content with the same x264 preset, in one run.

    .venv/bin/python bench/render.py [--preset veryfast] [--naive-seconds 10]

Content: 1080x1920, a new image every 5 s with camera moves (zoom in / pan / zoom out),
karaoke captions (~2.5 words/s), a voice-like narration WAV and music ducked under it.
Each measurement runs in its own process so CPU-seconds (process + ffmpeg children)
and peak RSS are its own. Wall times swing with the shared CPU; compare the ratios.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCENE_S = 5.0
MOTIONS = ("zoom_in", "pan_left", "zoom_out", "pan_right")
WIDTH, HEIGHT, FPS = 1080, 1920, 30


def make_content(folder: Path, seconds: float = 60.0) -> None:
    """Images, narration, music and word timings for `seconds` of video."""
    from tests.render.media import make_image, make_music, make_voice, timed_words
    lexicon = ("creators ship short videos faster when captions follow every spoken word and "
               "the camera keeps moving slowly across each picture while music stays under "
               "the voice so nothing fights for attention").split()
    text = " ".join(lexicon[i % len(lexicon)] for i in range(int(seconds * 2.5)))
    words = timed_words(text, start=0.3, per_word=0.4)
    words = [w for w in words if w.end < seconds - 0.2]
    for i in range(int(seconds / SCENE_S)):
        make_image(folder / f"scene{i:02d}.png", i, (1080, 1920))
    make_voice(folder / "voice.wav", words, seconds)
    make_music(folder / "music.wav", 20.0)
    (folder / "words.json").write_text(json.dumps([[w.text, w.start, w.end] for w in words]))


def load_words(folder: Path, seconds: float):
    from fluxnote.render.spec import Word
    return [Word(t, s, e) for t, s, e in json.loads((folder / "words.json").read_text()) if e < seconds - 0.2]


def build_spec(folder: Path, seconds: float, preset: str):
    from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec
    count = int(round(seconds / SCENE_S))
    scenes = [SceneSpec(folder / f"scene{i:02d}.png", "image", i * SCENE_S, SCENE_S, motion=MOTIONS[i % 4])
              for i in range(count)]
    return RenderSpec(width=WIDTH, height=HEIGHT, duration=seconds, scenes=scenes,
                      narration_path=folder / "voice.wav", music_path=folder / "music.wav",
                      captions=CaptionSpec("karaoke", {}, load_words(folder, seconds)), preset=preset)


# -- the three pipelines ---------------------------------------------------------------
def run_ours(folder: Path, seconds: float, preset: str, out: Path) -> None:
    from fluxnote.render.compose import compose
    compose(build_spec(folder, seconds, preset), out)


def run_naive(folder: Path, seconds: float, preset: str, out: Path) -> None:
    """The docs' way: Resize-based zoom, one TextClip per word, CompositeVideoClip,
    write_videofile."""
    from moviepy import (AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip, TextClip,
                         vfx)

    from fluxnote.captions.fonts import font_path
    from fluxnote.captions.layout import paginate
    spec = build_spec(folder, seconds, preset)
    font = str(font_path("Roboto Black"))
    clips = []
    for scene in spec.scenes:
        zoom = (lambda t: 1 + 0.03 * t) if scene.motion != "zoom_out" else (lambda t: 1.15 - 0.03 * t)
        clips.append(ImageClip(str(scene.visual_path)).with_start(scene.start).with_duration(scene.duration)
                     .with_effects([vfx.Resize(zoom)]).with_position("center"))
    for page in paginate(spec.captions.words, 4):
        x, y = 90, 1250
        for word in page.words:
            text = word.text.upper()
            style = dict(font=font, text=text, font_size=84, stroke_color="black", stroke_width=7)
            base = TextClip(color="white", **style)
            if x + base.w > WIDTH - 60:
                x, y = 90, y + 110
            clips.append(base.with_start(page.start).with_duration(page.end - page.start)
                         .with_position((x, y)))
            clips.append(TextClip(color="#ffd60a", **style).with_start(word.start)
                         .with_duration(max(word.end - word.start, 0.05)).with_position((x, y)))
            x += base.w + 20
    with AudioFileClip(str(spec.narration_path)) as voice, AudioFileClip(str(spec.music_path)) as music:
        from moviepy.audio.fx import AudioLoop
        audio = CompositeAudioClip([voice.with_duration(seconds),
                                    music.with_effects([AudioLoop(duration=seconds)]).with_volume_scaled(0.15)])
        video = CompositeVideoClip(clips, size=(WIDTH, HEIGHT)).with_duration(seconds).with_audio(audio)
        video.write_videofile(str(out), fps=FPS, codec="libx264", audio_codec="aac", preset=preset,
                              ffmpeg_params=["-movflags", "+faststart"], logger=None,
                              temp_audiofile_path=str(out.parent))
        video.close()


def run_ffmpeg(folder: Path, seconds: float, preset: str, out: Path) -> None:
    """zoompan per image + libass karaoke captions + sidechain-ducked music, one ffmpeg."""
    from moviepy.config import FFMPEG_BINARY

    from fluxnote.captions.fonts import FONT_DIR
    spec = build_spec(folder, seconds, preset)
    ass = out.with_suffix(".ass")
    ass.write_text(_ass_karaoke(spec))
    frames = int(SCENE_S * FPS)
    cmd = [FFMPEG_BINARY, "-y", "-loglevel", "error"]
    chains = []
    for i, scene in enumerate(spec.scenes):
        cmd += ["-i", str(scene.visual_path)]
        z, x = {"zoom_in": (f"1+0.15*on/{frames}", "iw/2-(iw/zoom/2)"),
                "zoom_out": (f"1.15-0.15*on/{frames}", "iw/2-(iw/zoom/2)"),
                "pan_left": ("1.12", f"(iw-iw/zoom)*(1-on/{frames})"),
                "pan_right": ("1.12", f"(iw-iw/zoom)*on/{frames}")}[scene.motion]
        chains.append(f"[{i}:v]scale=1242:2208,zoompan=z='{z}':x='{x}':y='ih/2-(ih/zoom/2)':d={frames}"
                      f":s={WIDTH}x{HEIGHT}:fps={FPS}[v{i}]")
    n = len(spec.scenes)
    cmd += ["-i", str(spec.narration_path), "-stream_loop", "-1", "-i", str(spec.music_path)]
    chains.append("".join(f"[v{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0,"
                  f"ass={ass}:fontsdir={FONT_DIR}[v]")
    chains.append(f"[{n + 1}:a]atrim=0:{seconds},volume=0.15,aformat=channel_layouts=stereo[m];"
                  f"[{n}:a]aformat=channel_layouts=stereo,asplit=2[n1][n2];"
                  "[m][n1]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[duck];"
                  "[duck][n2]amix=inputs=2:duration=first:normalize=0[a]")
    cmd += ["-filter_complex", ";".join(chains), "-map", "[v]", "-map", "[a]", "-t", str(seconds),
            "-c:v", "libx264", "-preset", preset, "-crf", "23", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart", str(out)]
    subprocess.run(cmd, check=True)


def _ass_karaoke(spec) -> str:
    from fluxnote.captions.layout import paginate
    def ts(t: float) -> str:
        return f"{int(t // 3600)}:{int(t % 3600 // 60):02d}:{t % 60:05.2f}"
    lines = ["[Script Info]", "ScriptType: v4.00+", f"PlayResX: {WIDTH}", f"PlayResY: {HEIGHT}", "",
             "[V4+ Styles]",
             "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
             "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
             "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
             "Style: K,Roboto Black,84,&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,7,3,"
             "5,90,90,0,1", "", "[Events]",
             "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text"]
    for page in paginate(spec.captions.words, 4):
        for i, word in enumerate(page.words):
            end = page.words[i + 1].start if i + 1 < len(page.words) else page.end
            text = " ".join((r"{\c&H0AD6FF&}" + w.text.upper() + r"{\c&HFFFFFF&}") if j == i else w.text.upper()
                            for j, w in enumerate(page.words))
            lines.append(f"Dialogue: 0,{ts(word.start)},{ts(end)},K,,0,0,0,,{{\\pos(540,1344)}}{text}")
    return "\n".join(lines) + "\n"


PIPELINES = {"ours": run_ours, "naive": run_naive, "ffmpeg": run_ffmpeg}


def measure(kind: str, folder: Path, seconds: float, preset: str) -> dict:
    """Run one pipeline in this process and return its figures."""
    out = folder / f"{kind}-{int(seconds)}.mp4"
    start = time.perf_counter()
    PIPELINES[kind](folder, seconds, preset, out)
    wall = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"kind": kind, "seconds": seconds, "wall": wall,
            "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
            "py_cpu": me.ru_utime + me.ru_stime,
            "rss_mb": _own_peak_rss_mb(), "child_rss_mb": kids.ru_maxrss / 1024,
            "bytes": out.stat().st_size}


def _own_peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). ru_maxrss is not used for it: Linux carries the
    parent's high-water mark across fork+exec, which would charge the bench driver's
    memory to every pipeline."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_subprocess(kind: str, folder: Path, seconds: float, preset: str) -> dict:
    answer = subprocess.run([sys.executable, __file__, "--one", kind, "--folder", str(folder),
                             "--seconds", str(seconds), "--preset", preset],
                            capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def report(results: list[dict], preset: str) -> None:
    print(f"\n{'pipeline':<10}{'video s':>8}{'wall s':>8}{'x RT':>7}{'CPU s':>8}{'py CPU':>8}{'CPU s/s':>9}"
          f"{'py RSS MB':>10}{'ffmpeg RSS':>11}{'MB out':>8}")
    for r in results:
        print(f"{r['kind']:<10}{r['seconds']:>8.0f}{r['wall']:>8.1f}{r['seconds'] / r['wall']:>7.2f}"
              f"{r['cpu']:>8.1f}{r['py_cpu']:>8.1f}{r['cpu'] / r['seconds']:>9.2f}{r['rss_mb']:>10.0f}{r['child_rss_mb']:>11.0f}"
              f"{r['bytes'] / 1e6:>8.1f}")
    ours = {r["seconds"]: r for r in results if r["kind"] == "ours"}
    full, ffmpeg = ours[max(ours)], next(r for r in results if r["kind"] == "ffmpeg")
    naive = next(r for r in results if r["kind"] == "naive")
    rate = lambda r: r["seconds"] / r["wall"]           # noqa: E731  video seconds per wall second
    cpu_rate = lambda r: r["seconds"] / r["cpu"]        # noqa: E731
    peak = full["rss_mb"] + full["child_rss_mb"]
    print(f"\npreset {preset}; naive measured on {naive['seconds']:.0f} s and compared per second of video")
    checks = [
        (f"ours {full['seconds']:.0f} s: {rate(full):.2f}x realtime", rate(full) >= 1.4, ">= 1.4x"),
        (f"ours / ffmpeg-only speed: {rate(full) / rate(ffmpeg):.0%} wall, "
         f"{cpu_rate(full) / cpu_rate(ffmpeg):.0%} CPU", rate(full) / rate(ffmpeg) >= 0.85, ">= 85 %"),
        (f"ours / naive moviepy speed: {rate(full) / rate(naive):.1f}x wall, "
         f"{cpu_rate(full) / cpu_rate(naive):.1f}x CPU", rate(full) / rate(naive) >= 4, ">= 4x"),
        (f"peak RSS python + encoder: {peak:.0f} MB", peak <= 1024, "<= 1 GB"),
    ]
    per_second = ", ".join(f"{s:.0f} s -> {r['wall'] / s:.2f} wall-s/s, {r['cpu'] / s:.2f} CPU-s/s"
                           for s, r in sorted(ours.items()))
    checks.append((f"linear growth: {per_second}", True, "flat per-second cost"))
    idle = full["seconds"] / (full["cpu"] / 2)
    print(f"  CPU-bound ceiling for ours on 2 idle cores: {idle:.2f}x realtime "
          f"(ffmpeg-only: {ffmpeg['seconds'] / (ffmpeg['cpu'] / 2):.2f}x); wall above is on the shared CPU")
    for text, ok, target in checks:
        print(f"  [{'ok' if ok else 'MISS'}] {text}  (target {target})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--naive-seconds", type=float, default=10.0)
    parser.add_argument("--durations", default="15,30,60")
    parser.add_argument("--one", choices=list(PIPELINES))
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="write content and videos here (to look at them)")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.folder, args.seconds, args.preset)))
        return
    durations = [float(s) for s in args.durations.split(",")]
    with tempfile.TemporaryDirectory(prefix="fluxnote-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        make_content(folder, max(durations))
        results = []
        for kind, seconds in ([("ours", s) for s in durations] + [("ffmpeg", max(durations)),
                              ("naive", args.naive_seconds)]):
            print(f"running {kind} for {seconds:.0f} s of video...", flush=True)
            results.append(in_subprocess(kind, folder, seconds, args.preset))
        report(results, args.preset)


if __name__ == "__main__":
    main()
