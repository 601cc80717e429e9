"""POST /api/v1/projects with "render": the render waits for the build, then runs by
itself; a failed build fails the render with the project's error."""

import pytest

from fluxnote.extensions import db
from fluxnote.renders.models import Render
from fluxnote.studio import media
from fluxnote.studio.models import Project
from tests.conftest import auth, make_token, make_user
from tests.render.media import probe
from tests.videos.conftest import queued, work


@pytest.fixture
def maker(app, client):
    app.config["RENDER_PRESET"] = "ultrafast"
    user = make_user()
    return client, auth(make_token(user)), user


def create(client, headers, **extra):
    body = {"topic": "why the sea is salty", "template": "quote", **extra}
    return client.post("/api/v1/projects", headers=headers, json=body)


def test_one_call_gives_a_render_that_waits_for_the_build_then_makes_the_mp4(
    maker, events_sent, tmp_path
):
    client, headers, _ = maker
    answer = create(client, headers, render=True)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "building" and isinstance(body["render_id"], int)
    waiting = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert waiting["status"] == "queued" and waiting["project_id"] == body["id"]
    assert queued("render") == 0 and queued("default") == 1  # only the build is queued

    work()

    done = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert done["status"] == "succeeded", done
    mp4 = client.get(done["url"], headers=headers)
    (tmp_path / "one-call.mp4").write_bytes(mp4.data)
    facts = probe(tmp_path / "one-call.mp4")
    assert facts["size"] == (1080, 1920) and abs(facts["duration"] - done["duration_s"]) < 0.2
    assert [e for e, _ in events_sent] == ["project.ready", "render.succeeded"]
    assert events_sent[0][1]["id"] == body["id"] and events_sent[0][1]["status"] == "ready"


def test_render_options_pick_the_aspect_and_quality(maker):
    client, headers, _ = maker
    body = create(client, headers, render={"aspect": "1:1", "quality": "final"}).get_json()
    render = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert (render["aspect"], render["width"], render["height"]) == ("1:1", 1080, 1080)
    body = create(client, headers, render={"quality": "preview"}).get_json()
    render = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert render["quality"] == "preview" and render["width"] <= 540


def test_without_render_there_is_no_render_id(maker):
    client, headers, _ = maker
    for value in (None, False):
        body = create(client, headers, **({} if value is None else {"render": value})).get_json()
        assert "render_id" not in body
    assert db.session.query(Render).count() == 0


@pytest.mark.parametrize(
    ("render", "field"),
    [
        ("yes", "render"),
        ({"aspect": "4:3"}, "render.aspect"),
        ({"quality": "ultra"}, "render.quality"),
        ({"fps": 60}, "render.fps"),
    ],
)
def test_bad_render_options_are_422_and_create_nothing(maker, render, field):
    client, headers, _ = maker
    answer = create(client, headers, render=render)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field
    db.session.commit()
    assert db.session.query(Project).count() == 0 and db.session.query(Render).count() == 0


def test_a_failed_build_fails_the_waiting_render_with_the_projects_error(
    maker, events_sent, monkeypatch
):
    client, headers, _ = maker

    def broken(*_args, **_kw):
        raise RuntimeError("the voice engine is not installed")

    monkeypatch.setattr(media, "narrate", broken)
    body = create(client, headers, render=True).get_json()
    work()
    project = client.get(f"/api/v1/projects/{body['id']}", headers=headers).get_json()
    render = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert project["status"] == "failed" and "voice engine is not installed" in project["error"]
    assert render["status"] == "failed" and render["error"] == project["error"]
    assert [e for e, _ in events_sent] == ["project.failed", "render.failed"]


def test_a_render_requested_while_building_is_accepted_and_waits(maker):
    client, headers, _ = maker
    project = create(client, headers).get_json()
    answer = client.post(f"/api/v1/projects/{project['id']}/renders", headers=headers)
    assert answer.status_code == 202 and answer.get_json()["status"] == "queued"
    assert queued("render") == 0
    work("default")
    assert queued("render") == 1
    work("render")
    render = client.get(f"/api/v1/renders/{answer.get_json()['id']}", headers=headers)
    assert render.get_json()["status"] == "succeeded"


def test_the_sweeper_leaves_waiting_renders_alone_and_sends_them_once_the_build_ended(
    maker, monkeypatch
):
    from datetime import timedelta

    from fluxnote.renders import services, sweeper
    from fluxnote.sqltypes import utcnow

    client, headers, _ = maker
    body = create(client, headers, render=True).get_json()
    later = utcnow() + timedelta(minutes=10)
    assert sweeper.sweep(later)["requeued"] == 0
    # the build ends but its signal is lost (the receiver is gone): the sweeper catches up
    monkeypatch.setattr(services, "resume_waiting", lambda *_: 0)
    work("default")
    assert queued("render") == 0
    assert sweeper.sweep(later)["requeued"] == 1
    work("render")
    render = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert render["status"] == "succeeded"


def test_the_openapi_document_describes_the_render_option(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/projects"]["post"]["requestBody"]["content"]
    assert "render" in body["application/json"]["schema"]["properties"]


def test_a_render_of_generated_visuals_waits_for_the_generations(maker, monkeypatch):
    import fluxnote.studio.spec as studio_spec
    from fluxnote.generation.models import Generation

    client = maker[0]
    headers = auth(make_token(make_user(plan="max")))  # generations on the priority queue
    body = create(client, headers, visuals="generate_images", render=True).get_json()
    seen = []
    real = studio_spec.build_render_spec

    def spy(project_id, aspect=None):  # what the render sees when it finally runs
        seen.append([s.generation_id for s in db.session.get(Project, project_id).scenes])
        return real(project_id, aspect)

    monkeypatch.setattr(studio_spec, "build_render_spec", spy)
    work("default")  # the build: the project is ready, its generations are not
    project = client.get(f"/api/v1/projects/{body['id']}", headers=headers).get_json()
    assert project["status"] == "ready" and queued("render") == 0
    work()
    render = client.get(f"/api/v1/renders/{body['render_id']}", headers=headers).get_json()
    assert render["status"] == "succeeded", render
    generated = {g.asset_id for g in db.session.query(Generation).all()}
    project = client.get(f"/api/v1/projects/{body['id']}", headers=headers).get_json()
    assert {s["asset_id"] for s in project["scenes"]} == generated
    assert seen == [[None] * len(project["scenes"])]  # no scene was still waiting
