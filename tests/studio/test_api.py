"""Studio API: catalogues, quick create, patch validation, undo, duplicate, isolation."""

import pytest

from fluxnote.studio.build import build_project
from tests.conftest import auth, make_token, make_user
from tests.studio.conftest import short_project


def test_templates_and_caption_styles_are_listed(studio):
    client, headers = studio["client"], studio["headers"]
    templates = client.get("/api/v1/templates", headers=headers).get_json()
    assert {t["id"] for t in templates} == {
        "news",
        "reddit_story",
        "faceless_explainer",
        "listicle",
        "ugc_ad",
        "quote",
    }
    styles = {s["id"] for s in client.get("/api/v1/caption-styles", headers=headers).get_json()}
    assert len(styles) >= 8
    for t in templates:
        assert (
            t["caption_style"] in styles
            and t["scene_count"] == len(t["structure"])
            and t["music_mood"]
        )


def test_quick_create_makes_a_buildable_project_for_free(studio):
    client, headers = studio["client"], studio["headers"]
    created = client.post(
        "/api/v1/projects",
        headers=headers,
        json={"topic": "Why cats purr", "template": "listicle", "aspect": "1:1"},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert (
        body["status"] == "building"
        and body["aspect"] == "1:1"
        and body["caption_style"] == "kinetic_pop"
    )
    assert len(body["scenes"]) == 7 and body["generations"] == [] and "cost" not in body
    assert any("Number 5" in s["text"] for s in body["scenes"])
    build_project(body["id"])
    ready = client.get(f"/api/v1/projects/{body['id']}", headers=headers).get_json()
    assert ready["status"] == "ready"
    assert all(s["asset_id"] and s["words"] and s["duration_s"] > 1 for s in ready["scenes"])
    assert 15 < ready["duration_s"] < 70


@pytest.mark.parametrize(
    "body, field",
    [
        ({"topic": "cats"}, "template"),
        ({"template": "quote"}, "topic"),
        ({"topic": "cats", "template": "nope"}, "template"),
        ({"topic": "cats", "template": "quote", "caption_style": "comic_sans"}, "caption_style"),
        ({"topic": "cats", "template": "quote", "visuals": "magic"}, "visuals"),
        ({"topic": "cats", "template": "quote", "voice": "nobody"}, "voice"),
        ({"topic": "cats", "template": "quote", "aspect": "4:3"}, "aspect"),
        ({"topic": 5, "template": "quote"}, "topic"),
        ({"topic": "cats", "template": "quote", "colour": "red"}, "colour"),
    ],
)
def test_bad_quick_create_is_422_with_the_field_and_creates_nothing(studio, body, field):
    client, headers = studio["client"], studio["headers"]
    answer = client.post("/api/v1/projects", headers=headers, json=body)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field
    assert client.get("/api/v1/projects", headers=headers).get_json() == []


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"voice": "nobody"}, "voice"),
        ({"caption_style": "nope"}, "caption_style"),
        ({"caption_overrides": {"text_color": "red"}}, "caption_overrides"),
        ({"aspect": "2:1"}, "aspect"),
        ({"music": {"volume": 3}}, "music.volume"),
        ({"scenes": [{"id": 0, "text": "x"}]}, "scene_id"),
        ({"scene_order": []}, "scene_order"),
        ({"colour": 1}, "colour"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(studio, patch, field):
    project = short_project(studio, ["One short line."])
    client, headers = studio["client"], studio["headers"]
    answer = client.patch(f"/api/v1/projects/{project['id']}", headers=headers, json=patch)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field
    assert client.get(f"/api/v1/projects/{project['id']}", headers=headers).get_json() == project


def test_trim_past_the_narration_is_refused(studio):
    project = short_project(studio, ["One short line."])
    scene = project["scenes"][0]
    answer = studio["client"].patch(
        f"/api/v1/projects/{project['id']}",
        headers=studio["headers"],
        json={"scenes": [{"id": scene["id"], "trim_start": 30}]},
    )
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "scenes.trim_start"


def test_split_shares_the_narration_and_undo_restores(studio):
    project = short_project(studio, ["Octopuses have three hearts and blue blood."])
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    scene = project["scenes"][0]
    split = client.patch(
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={"split": {"scene_id": scene["id"], "word": 4}},
    ).get_json()
    first, second = split["scenes"]
    assert first["text"] == "Octopuses have three hearts" and second["text"] == "and blue blood."
    assert abs(first["duration_s"] + second["duration_s"] - scene["duration_s"]) < 0.35
    assert first["asset_id"] == second["asset_id"] == scene["asset_id"]
    undone = client.post(f"/api/v1/projects/{pid}/undo", headers=headers)
    assert undone.status_code == 200 and undone.get_json()["scenes"] == project["scenes"]
    assert (
        client.post(f"/api/v1/projects/{pid}/undo", headers=headers).status_code == 200
    )  # the setup edit
    assert client.post(f"/api/v1/projects/{pid}/undo", headers=headers).status_code == 409


def test_editing_a_scene_text_revoices_it(studio):
    project = short_project(studio, ["Short."])
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    scene = project["scenes"][0]
    edited = client.patch(
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={
            "scenes": [
                {
                    "id": scene["id"],
                    "text": "A much longer line that takes clearly more time to say.",
                }
            ]
        },
    ).get_json()
    new = edited["scenes"][0]
    assert [w["text"] for w in new["words"]][:3] == ["A", "much", "longer"]
    assert new["duration_s"] > scene["duration_s"] + 1


def test_projects_of_other_workspaces_are_404(studio):
    project = short_project(studio, ["Private."])
    stranger = auth(make_token(make_user()))
    client = studio["client"]
    for call in (client.get, client.patch, client.post):
        path = f"/api/v1/projects/{project['id']}" + ("/duplicate" if call == client.post else "")
        answer = call(path, headers=stranger, json={"aspect": "1:1"})
        assert answer.status_code == 404
    assert client.get("/api/v1/projects", headers=stranger).get_json() == []


@pytest.mark.parametrize(
    "patch",
    [
        {"voice": []},
        {"caption_style": {}},
        {"aspect": ["9:16"]},
        {"music": {"track": [1]}},
        {"scene_order": [{}]},
        {"scene_order": [True]},
        {"scenes": [{"id": "1"}]},
        {"split": {"scene_id": None}},
        {"scenes": [{"id": 1, "words": [{"index": "0", "text": "x"}]}]},
        {"title": 5},
        [],
        "text",
    ],
)
def test_malformed_patch_bodies_are_422_not_500(studio, patch):
    project = short_project(studio, ["Robust."])
    answer = studio["client"].patch(
        f"/api/v1/projects/{project['id']}", headers=studio["headers"], json=patch
    )
    assert answer.status_code == 422


def test_huge_ids_are_404(studio):
    assert (
        studio["client"].get(f"/api/v1/projects/{2**40}", headers=studio["headers"]).status_code
        == 404
    )


def test_quick_create_edit_and_undo_on_postgresql(pg_app):
    client, headers = pg_app.test_client(), auth(make_token(make_user()))
    body = client.post(
        "/api/v1/projects", headers=headers, json={"topic": "tide pools", "template": "quote"}
    ).get_json()
    build_project(body["id"])
    first, second = [s["id"] for s in body["scenes"][:2]]
    edited = client.patch(
        f"/api/v1/projects/{body['id']}", headers=headers, json={"scene_order": [second, first]}
    ).get_json()
    assert [s["id"] for s in edited["scenes"]] == [second, first]
    restored = client.post(f"/api/v1/projects/{body['id']}/undo", headers=headers).get_json()
    assert [s["id"] for s in restored["scenes"]] == [s["id"] for s in body["scenes"]]
    assert (
        client.post(f"/api/v1/projects/{body['id']}/duplicate", headers=headers).status_code == 201
    )


def test_uploaded_narration_is_aligned_and_uploaded_audio_can_be_the_music(studio, tmp_path):
    from fluxnote.studio.spec import build_render_spec
    from fluxnote.voice.services import synthesize
    from tests.studio.conftest import upload

    text = "My own voice reads this line."
    project = short_project(studio, [text])
    client, headers, pid, scene = (
        studio["client"],
        studio["headers"],
        project["id"],
        project["scenes"][0],
    )
    recording = synthesize(text, "espeak-en-gb", tmp_path)  # stands in for a creator's recording
    narration = upload(studio, recording.audio_path.read_bytes(), "me.wav").get_json()
    music = upload(studio, recording.audio_path.read_bytes(), "song.wav").get_json()
    edited = client.patch(
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={
            "scenes": [{"id": scene["id"], "narration_asset_id": narration["id"]}],
            "music": {"track": f"asset:{music['id']}", "volume": 0.5},
        },
    )
    assert edited.status_code == 200, edited.get_json()
    words = edited.get_json()["scenes"][0]["words"]
    assert [w["text"] for w in words] == text.split()
    assert all(a["end"] <= b["start"] + 0.01 for a, b in zip(words, words[1:], strict=False))
    assert words[-1]["end"] <= narration["duration_s"] + 0.01
    assert abs(edited.get_json()["scenes"][0]["duration_s"] - narration["duration_s"] - 0.25) < 0.02
    spec = build_render_spec(pid)
    assert spec.music_path.name.endswith(".wav") and spec.music_volume == 0.5
    refused = client.patch(
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={"scenes": [{"id": scene["id"], "narration_asset_id": scene["asset_id"]}]},
    )
    assert (
        refused.status_code == 422
        and refused.get_json()["error"]["field"] == "scenes.narration_asset_id"
    )


def test_an_aspect_change_redraws_offline_pictures_and_keeps_uploads(studio):
    client, headers = studio["client"], studio["headers"]
    body = client.post(
        "/api/v1/projects", headers=headers, json={"topic": "tide pools", "template": "quote"}
    ).get_json()
    build_project(body["id"])
    before = client.get(f"/api/v1/projects/{body['id']}", headers=headers).get_json()
    after = client.patch(
        f"/api/v1/projects/{body['id']}", headers=headers, json={"aspect": "16:9"}
    ).get_json()
    for old, new in zip(before["scenes"], after["scenes"], strict=False):
        assert new["asset_id"] != old["asset_id"]
        asset = client.get(f"/api/v1/assets/{new['asset_id']}", headers=headers).get_json()
        assert (asset["width"], asset["height"]) == (1920, 1080)
    uploaded = short_project(studio, ["Keep my picture."])
    kept = client.patch(
        f"/api/v1/projects/{uploaded['id']}", headers=headers, json={"aspect": "1:1"}
    ).get_json()
    assert kept["scenes"][0]["asset_id"] == uploaded["scenes"][0]["asset_id"]


def test_scene_text_with_nothing_to_say_is_422_and_changes_nothing(studio):
    project = short_project(studio, ["One short line."])
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    scene = project["scenes"][0]
    for text in ("😀🎉🔥", "!!! … ?!", "— – •", "\u200b\u200b"):
        answer = client.patch(
            f"/api/v1/projects/{pid}",
            headers=headers,
            json={"scenes": [{"id": scene["id"], "text": text}]},
        )
        assert answer.status_code == 422, (text, answer.get_json())
        assert answer.get_json()["error"]["field"] == "scenes.text"
    assert client.get(f"/api/v1/projects/{pid}", headers=headers).get_json() == project
    assert client.post(f"/api/v1/projects/{pid}/undo", headers=headers).status_code == 200


def test_a_variant_of_a_building_project_is_built_when_its_source_is(studio):
    from fluxnote.studio import jobs
    from fluxnote.tasks import get_queue

    client, headers = studio["client"], studio["headers"]
    created = client.post(
        "/api/v1/projects", headers=headers, json={"topic": "tide pools", "template": "quote"}
    ).get_json()
    assert created["status"] == "building"
    variant = client.post(f"/api/v1/projects/{created['id']}/duplicate", headers=headers)
    assert variant.status_code == 201 and variant.get_json()["status"] == "building"
    queue = get_queue("default")
    queue.empty()
    jobs.build_project(created["id"])  # the source's build job, as a worker runs it
    waiting = [queue.fetch_job(job_id) for job_id in queue.job_ids]
    assert [(j.func, j.args) for j in waiting] == [
        (jobs.build_project, (variant.get_json()["id"],))
    ]
    waiting[0].perform()
    built = client.get(f"/api/v1/projects/{variant.get_json()['id']}", headers=headers).get_json()
    assert built["status"] == "ready" and all(s["duration_s"] > 0 for s in built["scenes"])


def test_a_voice_that_fails_mid_edit_changes_nothing(studio, app):
    project = short_project(studio, ["First line here.", "Second line here."])
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    app.config.update(  # ElevenLabs configured, but its server is down
        PROVIDER_KEYS={"ELEVENLABS_API_KEY": "el-test"}, ELEVENLABS_BASE_URL="http://127.0.0.1:9"
    )
    before = client.get(f"/api/v1/projects/{pid}", headers=headers).get_json()
    for body in (
        {"voice": "elevenlabs-rachel"},
        {
            "voice": "elevenlabs-rachel",
            "scenes": [{"id": before["scenes"][0]["id"], "text": "New."}],
        },
    ):
        refused = client.patch(f"/api/v1/projects/{pid}", headers=headers, json=body)
        assert refused.status_code == 409, refused.get_json()
        error = refused.get_json()["error"]
        assert error["code"] == "voice_failed" and error["field"] == "voice"
        assert "ElevenLabs is unreachable" in error["message"]
        assert client.get(f"/api/v1/projects/{pid}", headers=headers).get_json() == before
    from fluxnote.studio.models import ProjectEdit

    assert [e.label for e in ProjectEdit.query.filter_by(project_id=pid)] == ["API edit"]


def test_an_edit_whose_scene_changed_while_it_was_voiced_is_409_and_writes_nothing(
    studio, app, monkeypatch
):
    from sqlalchemy import text as sql

    from fluxnote.extensions import db
    from fluxnote.studio import media

    project = short_project(studio, ["First line here.", "Second line here."])
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    second = project["scenes"][1]["id"]
    narrate = media.narrate

    def meanwhile(text, voice_id):  # another request edits a scene while this one speaks
        with db.engine.begin() as other:
            other.execute(
                sql("UPDATE scenes SET text = 'Changed elsewhere.' WHERE id = :id"), {"id": second}
            )
        return narrate(text, voice_id)

    monkeypatch.setattr(media, "narrate", meanwhile)
    refused = client.patch(  # a voice swap re-voices every scene with the texts it read
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={"title": "Renamed", "voice": "piper-joe-calm"},
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "edit_conflict"
    after = client.get(f"/api/v1/projects/{pid}", headers=headers).get_json()
    assert (after["title"], after["voice"]) == (project["title"], project["voice"])  # nothing
    assert after["scenes"][1]["text"] == "Changed elsewhere."


def test_a_voice_swap_that_also_deletes_a_scene_voices_only_the_scenes_kept(studio, monkeypatch):
    from fluxnote.studio import media

    project = short_project(studio, ["First line here.", "Second line here."])
    client, headers, pid = studio["client"], studio["headers"], project["id"]
    first = project["scenes"][0]["id"]
    spoken, narrate = [], media.narrate
    monkeypatch.setattr(
        media, "narrate", lambda text, voice: spoken.append(text) or narrate(text, voice)
    )
    edited = client.patch(
        f"/api/v1/projects/{pid}",
        headers=headers,
        json={"voice": "piper-joe-calm", "scene_order": [first]},
    )
    assert edited.status_code == 200, edited.get_json()
    assert spoken == ["First line here."]
    assert [s["id"] for s in edited.get_json()["scenes"]] == [first]
