import io
import re
import statistics
import subprocess
import time

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from fluxnote.providers.base import GenerationRequest, InvalidSignature, ProviderError
from fluxnote.providers.offline import OfflineProvider, animate, draw_image
from fluxnote.providers.offline.palette import read_prompt


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def probe(path) -> str:
    """ffmpeg's description of the file's streams (what ffprobe would print)."""
    run = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True)
    return run.stderr


def frames(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out = []
    ok, frame = cap.read()
    while ok:
        out.append(frame.astype(np.float32))
        ok, frame = cap.read()
    cap.release()
    return out


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (1080, 1080)])
def test_draw_image_has_the_requested_size(size):
    image = draw_image("A calm lake at dawn", *size)
    assert image.size == size and image.mode == "RGB"
    assert pixels(image).std() > 20  # a picture, not a flat fill


def test_same_prompt_and_seed_draw_the_same_picture():
    a = pixels(draw_image("Five money habits", 540, 960, seed=3))
    b = pixels(draw_image("Five money habits", 540, 960, seed=3))
    assert np.array_equal(a, b)


def test_distinct_prompts_draw_visibly_distinct_pictures():
    prompts = ["Five money habits that make you rich", "Tokyo city at night",
               "Deep space exploration", "Best pizza recipe at home", "Morning yoga routine",
               "The philosophy of stoicism"]
    images = [pixels(draw_image(p, 540, 960)) for p in prompts]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert np.abs(images[i] - images[j]).mean() > 15, (prompts[i], prompts[j])


def test_a_new_seed_redraws_the_same_prompt_differently():
    a = pixels(draw_image("Ocean waves", 540, 960, seed=1))
    b = pixels(draw_image("Ocean waves", 540, 960, seed=2))
    assert np.abs(a - b).mean() > 10


def test_topic_and_title_come_from_the_prompt():
    scene = read_prompt("10 tips to save money on groceries")
    assert scene.topic == "money"
    assert scene.title_words[:3] == ("10", "tips", "save") or "money" in scene.title_words
    assert read_prompt("A quiet afternoon").topic == "abstract"
    assert read_prompt("Morning yoga workout routine").topic == "fitness"  # 2 hits beat 1
    assert read_prompt("Sunset over the desert road trip").topic == "sun"


def test_title_is_drawn_in_the_lower_part_of_a_portrait_frame(monkeypatch):
    from fluxnote.providers.offline import draw
    with_title = pixels(draw_image("Galaxy nebula", 540, 960, seed=5))
    monkeypatch.setattr(draw, "_title", lambda image, scene: None)
    without = pixels(draw_image("Galaxy nebula", 540, 960, seed=5))
    diff = np.abs(with_title - without).mean(axis=(1, 2))
    assert diff[int(960 * 0.6):int(960 * 0.9)].mean() > 10
    assert diff[: int(960 * 0.5)].max() == 0


def test_draw_image_is_fast_at_1080x1920():
    """Target: under 0.5 s median. On a loaded machine the bar scales with a baseline
    measured in the same run (a fast PNG encode of the same frame)."""
    image = draw_image("warm up", 1080, 1920)
    times, baseline = [], []
    for i in range(5):
        times.append(timed(lambda: draw_image(f"A mountain hike number {i}", 1080, 1920)))
        baseline.append(timed(lambda: image.save(io.BytesIO(), "PNG", compress_level=1)))
    median = statistics.median(times)
    assert median < 0.5 or median < statistics.median(baseline), (median, baseline)


def test_draw_image_rejects_absurd_sizes():
    with pytest.raises(ValueError):
        draw_image("x", 10, 10000)


def test_animate_writes_h264_with_the_requested_size_and_duration(tmp_path):
    paths = []
    for i, prompt in enumerate(["sunrise over hills", "city skyline"]):
        paths.append(tmp_path / f"{i}.png")
        draw_image(prompt, 360, 640).save(paths[-1])
    out = animate(paths, 2.0, 360, 640, tmp_path / "clip.mp4", seed=7)
    info = probe(out)
    assert re.search(r"Video: h264.*yuv420p", info), info
    assert "30 fps" in info
    cap = cv2.VideoCapture(str(out))
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (360, 640)
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 60
    cap.release()
    clip = frames(out)
    first, last = clip[0], clip[-1]
    assert np.abs(first - last).mean() > 10  # it moves and crossfades to the second image
    steps = [np.abs(a - b).mean() for a, b in zip(clip, clip[1:])]
    assert max(steps) < 12  # smooth: no cut between consecutive frames


def test_animate_refuses_bad_input(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ValueError):
        animate([bad], 1.0, 360, 640, tmp_path / "x.mp4")
    with pytest.raises(ValueError):
        animate([], 1.0, 360, 640, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_offline_provider_image_is_a_real_png(tmp_path):
    provider = OfflineProvider(tmp_path / "work")
    result = provider.submit(GenerationRequest(kind="image", model="offline-image",
                                               prompt="Coffee shop", aspect="16:9"))
    assert result.status == "succeeded"
    assert result.meta == {"width": 1920, "height": 1080, "engine": "FluxNote Offline"}
    with Image.open(result.output_path) as image:
        assert image.format == "PNG" and image.size == (1920, 1080)
    moved = provider.fetch_result(result, tmp_path / "media")
    assert moved.parent == tmp_path / "media" and moved.is_file()


def test_offline_image_to_video_starts_on_the_source_image(tmp_path):
    source = tmp_path / "source.png"
    draw_image("A red sports car", 1080, 1920).save(source)
    provider = OfflineProvider(tmp_path / "work")
    result = provider.submit(GenerationRequest(kind="video", model="offline-video", prompt="drive",
                                               duration_s=1, source_image=source))
    assert result.meta["duration_s"] == 1.0 and result.meta["width"] == 1080
    first = frames(result.output_path)[0]
    expected = cv2.cvtColor(np.asarray(Image.open(source).convert("RGB")), cv2.COLOR_RGB2BGR)
    other = cv2.cvtColor(np.asarray(draw_image("Ocean", 1080, 1920)), cv2.COLOR_RGB2BGR)
    assert np.abs(first - expected).mean() < 12
    assert np.abs(first - other).mean() > 25
    assert list((tmp_path / "work").glob("*.png")) == []  # no drawn frames left behind


def test_offline_provider_refuses_what_it_cannot_do(tmp_path):
    provider = OfflineProvider(tmp_path)
    with pytest.raises(ProviderError):
        provider.submit(GenerationRequest(kind="video", model="m", prompt="p", duration_s=60))
    with pytest.raises(ProviderError):
        provider.submit(GenerationRequest(kind="image", model="m", prompt="p", aspect="4:3"))
    with pytest.raises(ProviderError):
        provider.poll("anything")
    with pytest.raises(InvalidSignature):
        provider.parse_webhook({}, b"{}")


def test_non_latin_titles_are_drawn_with_a_covering_font():
    from fluxnote.providers.offline.draw import _font
    scene = read_prompt("Москва ночью")
    assert scene.title_words == ("москва", "ночью")
    assert "DejaVu" in _font(40, scene).getname()[0]
    assert draw_image("Москва ночью", 540, 960).size == (540, 960)
