"""The studio pages: quick-create form, editor partials answering htmx edits, errors."""

import io

from fluxnote.assets.models import Asset
from fluxnote.extensions import db
from tests.conftest import login, make_user
from tests.studio.conftest import png_bytes, short_project


def _web(studio):
    client = studio["client"]
    login(client, studio["user"])
    return client


def test_projects_page_lists_projects_and_the_form_states_costs(studio):
    project = short_project(studio, ["Listed."])
    client = _web(studio)
    page = client.get("/studio").get_data(as_text=True)
    assert 'id="studio-new"' in page and f"/studio/{project['id']}" in page
    free = client.post("/studio/cost", data={"template": "quote", "visuals": "offline"}).get_data(
        as_text=True
    )
    assert "Free" in free
    paid = client.post(
        "/studio/cost", data={"template": "quote", "visuals": "generate_video"}
    ).get_data(as_text=True)
    assert "Uses 5 video credits" in paid


def test_quick_create_form_redirects_to_the_editor_or_shows_the_error(studio):
    client = _web(studio)
    bad = client.post("/studio", data={"template": "quote"})
    assert bad.status_code == 422 and "Give a topic" in bad.get_data(as_text=True)
    good = client.post(
        "/studio",
        data={"template": "quote", "topic": "tide pools", "visuals": "offline"},
        headers={"HX-Request": "true"},
    )
    assert good.status_code == 204 and good.headers["HX-Redirect"].startswith("/studio/")
    plain = client.post("/studio", data={"template": "quote", "topic": "rock pools"})
    assert plain.status_code == 303 and plain.headers["Location"].startswith("/studio/")
    building = client.get(good.headers["HX-Redirect"]).get_data(as_text=True)
    assert 'id="studio-status"' in building and 'hx-trigger="every 1s"' in building


def test_a_script_from_the_topic_alone_is_called_a_scaffold(studio):
    from_topic = short_project(studio, ["Octopuses have a story."])
    from_text = short_project(
        studio,
        ["Two hearts pump blood through the gills."],
        source_text="Octopuses have three hearts.",
    )
    client = _web(studio)
    page = client.get(f"/studio/{from_topic['id']}").get_data(as_text=True)
    assert "data-writer-note" in page and "cannot know facts" in page
    assert "data-writer-note" not in client.get(f"/studio/{from_text['id']}").get_data(as_text=True)


def test_editor_has_every_area_and_edits_answer_with_partials(studio):
    project = short_project(studio, ["First line here.", "Second line here."])
    client = _web(studio)
    pid, (s1, s2) = project["id"], project["scenes"]
    page = client.get(f"/studio/{pid}").get_data(as_text=True)
    for area in (
        "studio-timeline",
        "studio-scenes",
        "studio-captions",
        "studio-preview",
        "studio-voice",
        "studio-music",
        "studio-settings",
        "render-status",
        "studio-undo",
    ):
        assert f'id="{area}"' in page
    moved = client.post(f"/studio/{pid}/edit/move", data={"scene_id": s2["id"], "direction": "up"})
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and html.index(f'id="scene-{s2["id"]}"') < html.index(
        f'id="scene-{s1["id"]}"'
    )
    assert 'id="studio-timeline" class="card studio-timeline" hx-swap-oob="true"' in html
    assert "Undo: Move scene 2" in html
    restyled = client.post(
        f"/studio/{pid}/edit/captions",
        data={"caption_style": "neon_glow", "current_style": "karaoke", "size": "84"},
    ).get_data(as_text=True)
    assert 'value="neon_glow" selected' in restyled
    fixed = client.post(f"/studio/{pid}/edit/words", data={"scene_id": s1["id"], "w-0": "Fist"})
    assert 'value="Fist"' in fixed.get_data(as_text=True)
    undone = client.post(f"/studio/{pid}/undo").get_data(as_text=True)
    assert 'id="studio-editor"' in undone and 'value="First"' in undone


def test_bad_edits_are_422_with_the_message_in_the_area(studio):
    project = short_project(studio, ["Only one."])
    client = _web(studio)
    pid, scene = project["id"], project["scenes"][0]
    deleted = client.post(f"/studio/{pid}/edit/delete", data={"scene_id": scene["id"]})
    assert deleted.status_code == 422 and "at least one scene" in deleted.get_data(as_text=True)
    trimmed = client.post(
        f"/studio/{pid}/edit/trim",
        data={"scene_id": scene["id"], "trim_start": "x", "trim_end": "0"},
    )
    assert trimmed.status_code == 422 and 'data-field="trim_start"' in trimmed.get_data(
        as_text=True
    )
    corrupt = client.post(
        f"/studio/{pid}/scenes/{scene['id']}/upload/visual",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"not an image"), "x.png")},
    )
    assert corrupt.status_code == 415


def test_upload_replaces_a_scene_visual_and_duplicate_opens_the_variant(studio):
    project = short_project(studio, ["Swap my picture."])
    client = _web(studio)
    pid, scene = project["id"], project["scenes"][0]
    uploaded = client.post(
        f"/studio/{pid}/scenes/{scene['id']}/upload/visual",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(png_bytes((9, 9, 9))), "mine.png")},
    )
    assert uploaded.status_code == 200
    now = client.get(f"/api/v1/projects/{pid}", headers=studio["headers"]).get_json()
    assert now["scenes"][0]["asset_id"] != scene["asset_id"]
    copy = client.post(f"/studio/{pid}/duplicate", headers={"HX-Request": "true"})
    assert copy.status_code == 204 and copy.headers["HX-Redirect"] != f"/studio/{pid}"


def test_a_refused_upload_stores_nothing(studio):
    """The edit is checked before the file is kept: a refused one leaves no asset."""
    project = short_project(studio, ["Keep my picture."])
    client = _web(studio)
    pid, scene = project["id"], project["scenes"][0]
    before = db.session.query(Asset).count()

    def send(scene_id: int, use: str):
        return client.post(
            f"/studio/{pid}/scenes/{scene_id}/upload/{use}",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(png_bytes((1, 2, 3))), "mine.png")},
        )

    assert send(scene["id"] + 1000, "visual").status_code == 422  # no such scene
    assert send(scene["id"], "narration").status_code == 415  # a picture is no narration
    db.session.commit()
    assert db.session.query(Asset).count() == before


def test_a_visual_of_another_shape_is_said_to_be_cropped(studio):
    project = short_project(studio, ["A wide picture in a tall video."])
    client = _web(studio)
    pid, scene = project["id"], project["scenes"][0]
    assert "centre-cropped" not in client.get(f"/studio/{pid}").get_data(as_text=True)
    client.post(
        f"/studio/{pid}/scenes/{scene['id']}/upload/visual",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(png_bytes((9, 9, 9), size=(640, 360))), "wide.png")},
    )
    page = client.get(f"/studio/{pid}").get_data(as_text=True)
    assert "This 16:9 visual is centre-cropped to 9:16 in the render." in page


def test_the_studio_is_private(studio):
    project = short_project(studio, ["Mine."])
    client = studio["client"]
    assert client.get(f"/studio/{project['id']}").status_code == 302  # logged out: to /login
    login(client, make_user())
    for path in (f"/studio/{project['id']}", f"/studio/{project['id']}/preview.png"):
        assert client.get(path).status_code == 404
    assert (
        client.post(f"/studio/{project['id']}/edit/aspect", data={"aspect": "1:1"}).status_code
        == 404
    )


def test_a_new_generation_for_a_scene_costs_one_credit_and_replaces_the_visual_when_done(studio):
    from rq import SimpleWorker

    from fluxnote.extensions import redis_store
    from fluxnote.tasks import get_queue
    from tests.studio.conftest import balances

    project = short_project(studio, ["Generate me."])
    client = _web(studio)
    pid, scene = project["id"], project["scenes"][0]
    ws = studio["user"].current_workspace_id
    before = balances(ws)["image"]
    answer = client.post(f"/studio/{pid}/scenes/{scene['id']}/generate", data={"kind": "image"})
    assert answer.status_code == 200 and answer.headers["HX-Trigger"] == "credits-changed"
    assert "generating…" in answer.get_data(as_text=True)
    assert balances(ws)["image"][0] == before[0] - 1
    SimpleWorker([get_queue("default")], connection=redis_store.conn).work(burst=True)
    done = client.get(f"/api/v1/projects/{pid}", headers=studio["headers"]).get_json()
    assert len(done["generations"]) == 1 and done["scenes"][0]["asset_id"] != scene["asset_id"]
    assert balances(ws)["image"][1] == before[1] + 1  # captured: used


def test_voice_preview_and_music_track_play_in_the_studio(studio):
    project = short_project(studio, ["Listen."])
    client = _web(studio)
    page = client.get(f"/studio/{project['id']}").get_data(as_text=True)
    assert "/voices/piper-joe/preview.wav" in page
    track = client.get(f"/studio/{project['id']}/music.wav")
    assert track.status_code == 200 and track.mimetype == "audio/wav" and track.data[:4] == b"RIFF"


def test_a_failed_build_says_why_and_can_be_retried(studio, monkeypatch):
    import pytest

    from fluxnote.studio import media
    from fluxnote.studio.build import build_project

    client = _web(studio)
    made = client.post("/studio", data={"template": "quote", "topic": "tide pools"})
    pid = int(made.headers["Location"].rsplit("/", 1)[1])
    monkeypatch.setattr(
        media, "narrate", lambda *a: (_ for _ in ()).throw(RuntimeError("TTS engine down"))
    )
    with pytest.raises(RuntimeError):
        build_project(pid)
    page = client.get(f"/studio/{pid}").get_data(as_text=True)
    assert "TTS engine down" in page and "Try again" in page
    monkeypatch.undo()
    retried = client.post(f"/studio/{pid}/rebuild").get_data(as_text=True)
    assert 'data-status="building"' in retried
    build_project(pid)
    assert 'data-status="ready"' in client.get(f"/studio/{pid}").get_data(as_text=True)


class CountingStream(io.BytesIO):
    """A request body that records how much of it the server read."""

    read_bytes = 0

    def read(self, *args):
        data = super().read(*args)
        self.read_bytes += len(data)
        return data


def test_an_upload_over_the_request_limit_is_refused_before_it_is_read(studio):
    project = short_project(studio, ["Too big."])
    client = _web(studio)
    pid, scene = project["id"], project["scenes"][0]
    for path, headers in (
        (f"/studio/{pid}/scenes/{scene['id']}/upload/visual", {"HX-Request": "true"}),
        ("/api/v1/uploads", studio["headers"]),
    ):
        stream = CountingStream(b"--x\r\n" + b"0" * 65536)
        resp = client.post(
            path,
            input_stream=stream,
            headers=headers,
            content_type="multipart/form-data; boundary=x",
            environ_overrides={"CONTENT_LENGTH": str(210 * 1024 * 1024)},
        )
        assert resp.status_code == 413 and stream.read_bytes == 0
    assert 'id="studio-scenes"' in client.post(
        f"/studio/{pid}/scenes/{scene['id']}/upload/visual",
        input_stream=io.BytesIO(b""),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(210 * 1024 * 1024)},
    ).get_data(as_text=True)


def test_a_voice_swap_the_voice_service_fails_shows_why_and_keeps_the_old_voice(studio, app):
    project = short_project(studio, ["First line here."])
    client, pid = _web(studio), project["id"]
    app.config.update(
        PROVIDER_KEYS={"ELEVENLABS_API_KEY": "el-test"}, ELEVENLABS_BASE_URL="http://127.0.0.1:9"
    )
    answer = client.post(f"/studio/{pid}/edit/voice", data={"voice": "elevenlabs-rachel"})
    assert answer.status_code == 409
    assert "ElevenLabs is unreachable" in answer.get_data(as_text=True)
    after = studio["client"].get(f"/api/v1/projects/{pid}", headers=studio["headers"]).get_json()
    assert after["voice"] == project["voice"]
