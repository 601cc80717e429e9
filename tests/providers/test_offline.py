import re
import subprocess

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from fluxnote.providers.base import GenerationRequest, InvalidSignature, ProviderError
from fluxnote.providers.offline import OfflineProvider, animate, draw_image
from fluxnote.providers.offline.palette import read_prompt


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def probe(path) -> str:
    """ffmpeg's description of the file's streams (what ffprobe would print)."""
    run = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
    )
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
    prompts = [
        "Five money habits that make you rich",
        "Tokyo city at night",
        "Deep space exploration",
        "Best pizza recipe at home",
        "Morning yoga routine",
        "The philosophy of stoicism",
    ]
    images = [pixels(draw_image(p, 540, 960)) for p in prompts]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert np.abs(images[i] - images[j]).mean() > 15, (prompts[i], prompts[j])


def test_a_new_seed_redraws_the_same_prompt_differently():
    a = pixels(draw_image("Ocean waves", 540, 960, seed=1))
    b = pixels(draw_image("Ocean waves", 540, 960, seed=2))
    assert np.abs(a - b).mean() > 10


def test_topic_and_colour_come_from_the_prompt():
    scene = read_prompt("10 tips to save money on groceries")
    assert scene.topic == "money"
    assert read_prompt("a red octopus in a coral reef").topic == "ocean"
    assert read_prompt("why octopuses have three hearts").topic == "ocean"  # first word wins
    red = read_prompt("a red octopus in a coral reef").palette[3]
    assert red[0] > 2 * max(red[1], red[2])  # the accent is red
    assert read_prompt("A quiet afternoon").topic == "abstract"
    assert read_prompt("Morning yoga workout routine").topic == "fitness"  # 2 hits beat 1
    assert read_prompt("Sunset over the desert road trip").topic == "sun"


def _layer(prompt: str, seed: int) -> np.ndarray:
    """The illustration alone, placed on a transparent 540×960 frame."""
    from fluxnote.providers.offline import draw

    piece, (x, y) = draw._illustration(read_prompt(prompt, seed), 540, 960)
    frame = np.zeros((960, 540, 4), np.uint8)
    frame[y : y + piece.height, x : x + piece.width] = np.asarray(piece)
    return frame


def test_no_words_are_printed_on_the_picture():
    """The prompt picks motif and colours; below the motif there is only ground or
    background (the old engine wrote the prompt there as a title)."""
    lower = _layer("a red octopus in a coral reef", 5)[int(960 * 0.75) :, :, 3]
    columns = (lower > 0).mean(axis=0)
    assert columns.min() == columns.max()  # uniform across the width: ground, no letters


def test_edges_are_anti_aliased_and_translucent_shapes_blend():
    from fluxnote.providers.offline import draw

    layer = _layer("love", 2)
    alpha = layer[..., 3]
    soft = ((alpha > 0) & (alpha < 255)).sum()
    assert soft > 2 * (alpha == 255).sum() ** 0.5  # a smooth rim around the shapes
    # the big heart is one solid colour: no translucent heart punched into it
    cx, cy = draw._layout(540, 960)[:2]
    core = layer[int(cy) - 40 : int(cy) + 40, int(cx) - 60 : int(cx) + 60]
    assert (core[..., 3] == 255).all()
    assert np.ptp(core[..., :3].reshape(-1, 3), axis=0).max() <= 2


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
    steps = [np.abs(a - b).mean() for a, b in zip(clip, clip[1:], strict=False)]
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
    result = provider.submit(
        GenerationRequest(kind="image", model="offline-image", prompt="Coffee shop", aspect="16:9")
    )
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
    result = provider.submit(
        GenerationRequest(
            kind="video", model="offline-video", prompt="drive", duration_s=1, source_image=source
        )
    )
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


def test_non_latin_prompts_draw():
    assert draw_image("Москва ночью", 540, 960).size == (540, 960)
