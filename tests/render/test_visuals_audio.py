"""Camera moves are smooth (no jitter) and keep the frame covered."""

import numpy as np
from PIL import Image

from fluxnote.media.yuv import planes
from fluxnote.render.spec import SceneSpec
from fluxnote.render.visuals import ImageVisual


def edge_position(row: np.ndarray) -> float:
    """Sub-pixel x of a dark-to-bright step: the sum of the normalised profile."""
    values = row.astype(float)
    return float(((values - values.min()) / (values.max() - values.min())).sum())


def test_slow_zoom_moves_an_edge_smoothly_without_stair_steps(tmp_path):
    image = np.zeros((640, 360, 3), np.uint8)
    image[:, 300:] = 255
    Image.fromarray(image).save(tmp_path / "edge.png")
    visual = ImageVisual(
        SceneSpec(tmp_path / "edge.png", "image", 0.0, 5.0, motion="zoom_in"), 360, 640
    )
    frame = np.empty((640 * 3 // 2, 360), np.uint8)
    positions = []
    for i in range(0, 150):
        visual.frame(i / 30, frame)
        y_plane, _, _ = planes(frame, 360, 640)
        positions.append(edge_position(y_plane[320]))
    steps = np.diff(positions)
    # The edge moves a little every frame, never stalls for long or jumps, and follows a
    # straight line to within a fraction of a pixel (whole-pixel crops would stair-step
    # by up to half a pixel).
    assert (steps < 0).all() and steps.min() > -0.25
    frames = np.arange(len(positions))
    residual = np.array(positions) - np.polyval(np.polyfit(frames, positions, 1), frames)
    assert np.abs(residual).max() < 0.12


def test_pan_keeps_the_frame_covered(tmp_path):
    Image.new("RGB", (1200, 300), (200, 30, 30)).save(tmp_path / "wide.png")
    for motion in ("pan_left", "pan_right", "zoom_out", "none"):
        visual = ImageVisual(
            SceneSpec(tmp_path / "wide.png", "image", 0.0, 2.0, motion=motion), 180, 320
        )
        frame = np.zeros((320 * 3 // 2, 180), np.uint8)
        for t in (0.0, 1.0, 2.0):
            visual.frame(t, frame)
            y_plane, _, _ = planes(frame, 180, 320)
            assert (
                abs(int(y_plane.min()) - int(y_plane.max())) <= 1
            )  # flat colour everywhere, no border
