"""Quick-created projects render to real MP4s; restyles, variants and edits show up."""

import numpy as np

from fluxnote.captions.styles import STYLES, rgba
from tests.render.media import frame_at, near, probe
from tests.studio.conftest import COLOURS, render, short_project

TEXTS = [
    "Octopuses have three hearts.",
    "Two pump blood to the gills.",
    "The third feeds the body.",
    "Swimming stops it.",
]
YELLOW = rgba(STYLES["karaoke"].highlight_color)[:3]
PINK = rgba(STYLES["neon_glow"].highlight_color)[:3]


def _word(project: dict, scene_index: int, word_index: int) -> tuple[float, dict]:
    """A word's mid time on the video timeline."""
    start = sum(s["duration_s"] for s in project["scenes"][:scene_index])
    scene = project["scenes"][scene_index]
    word = scene["words"][word_index]
    return start + (
        word["start"] - scene["trim_start"] + word["end"] - scene["trim_start"]
    ) / 2, word


def test_quick_created_project_renders_with_karaoke_and_a_restyled_variant_reuses_the_voice(
    studio, tmp_path
):
    project = short_project(studio, TEXTS[:2], caption_style="karaoke")
    out, spec = render(project["id"], tmp_path / "a.mp4")
    facts = probe(out)
    assert (
        facts["size"] == (1080, 1920)
        and facts["video_codec"] == "h264"
        and facts["audio_codec"] == "aac"
    )
    assert facts["fps"] == 30
    words_end = max(w["end"] for w in project["scenes"][-1]["words"]) + sum(
        s["duration_s"] for s in project["scenes"][:-1]
    )
    assert abs(facts["duration"] - project["duration_s"]) < 0.1
    assert words_end < facts["duration"] < words_end + 0.6  # the narration, plus a short tail
    t, _ = _word(project, 0, 2)
    frame = frame_at(out, t)
    assert near(frame, YELLOW, 30)[int(0.5 * 1920) :].sum() > 500  # the spoken word, highlighted
    assert near(frame_at(out, 0.02), YELLOW, 30).sum() == 0

    variant = studio["client"].post(
        f"/api/v1/projects/{project['id']}/duplicate", headers=studio["headers"]
    )
    assert variant.status_code == 201
    vid = variant.get_json()["id"]
    assert [s.get("asset_id") for s in variant.get_json()["scenes"]] == [
        s.get("asset_id") for s in project["scenes"]
    ]
    restyled = studio["client"].patch(
        f"/api/v1/projects/{vid}", headers=studio["headers"], json={"caption_style": "neon_glow"}
    )
    assert restyled.status_code == 200
    out_b, spec_b = render(vid, tmp_path / "b.mp4")
    assert spec_b.narration_path == spec.narration_path  # the same voiceover file
    other = frame_at(out_b, t)
    assert near(other, YELLOW, 30).sum() == 0 and near(other, PINK, 50).sum() > 300
    assert np.abs(other.astype(int) - frame.astype(int)).mean() > 0.5


def test_trim_reorder_delete_and_word_fix_show_up_in_the_render(studio, tmp_path):
    project = short_project(studio, TEXTS, caption_style="karaoke")
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    before, _ = render(pid, tmp_path / "before.mp4")
    s1, s2, s3, s4 = project["scenes"]
    cut = round(s1["words"][1]["start"] - 0.05, 2)  # trim the first word away
    t_fix, _ = _word(project, 2, 1)
    fixed = client.patch(
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={
            "scene_order": [s1["id"], s3["id"], s2["id"]],
            "scenes": [
                {"id": s1["id"], "trim_start": cut},
                {"id": s3["id"], "words": [{"index": 1, "text": "WWWWWWWWW"}]},
            ],
        },
    )
    assert fixed.status_code == 200, fixed.get_json()
    edited = fixed.get_json()
    assert [s["id"] for s in edited["scenes"]] == [s1["id"], s3["id"], s2["id"]]
    assert edited["scenes"][1]["words"][1]["text"] == "WWWWWWWWW"
    assert edited["scenes"][1]["words"][1]["start"] == s3["words"][1]["start"]  # timing kept
    after, _ = render(pid, tmp_path / "after.mp4")

    old, new = probe(before)["duration"], probe(after)["duration"]
    assert abs((old - new) - (cut + s4["duration_s"])) < 0.1
    # scene 2 now shows what was scene 3 (its flat colour), scene 3 what was scene 2
    mid2 = edited["scenes"][0]["duration_s"] + 0.3
    mid3 = mid2 + edited["scenes"][1]["duration_s"]
    assert near(frame_at(after, mid2)[:600], COLOURS[2], 25).mean() > 0.9
    assert near(frame_at(after, mid3)[:600], COLOURS[1], 25).mean() > 0.9
    # the fixed word: same scene, same moment in it, a different caption; the picture above is the same
    t_new, _ = _word(edited, 1, 1)
    a, b = frame_at(before, t_fix).astype(int), frame_at(after, t_new).astype(int)
    assert np.abs(a[:900] - b[:900]).mean() < 2
    assert np.abs(a[1100:1500] - b[1100:1500]).mean() > 3
