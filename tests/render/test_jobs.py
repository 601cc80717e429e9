"""The render job end to end: API -> queue -> worker -> MP4, never touching credits."""

import pytest

from fluxnote.credits.services import capture, reserve, snapshot
from fluxnote.extensions import db
from fluxnote.renders.models import Render
from tests.conftest import auth, make_token, make_user
from tests.render.conftest import make_project, run_render_jobs
from tests.render.media import probe


def balances(workspace_id: int) -> dict:
    snap = snapshot(workspace_id)
    return {
        kind: (snap[kind]["used"], snap[kind]["reserved"], snap[kind]["remaining"])
        for kind in ("video", "image")
    }


def spend_everything(user) -> None:
    for kind in ("video", "image"):
        left = snapshot(user.current_workspace_id)[kind]["remaining"]
        if left:
            for hold in reserve(
                user.current_workspace_id, kind, f"spend-{kind}", user.id, count=left
            ):
                capture(hold.id)
            db.session.commit()


@pytest.mark.parametrize("broke", [False, True], ids=["with-credits", "at-zero-credits"])
def test_render_via_api_produces_an_mp4_and_leaves_credits_alone(
    client, fake_builder, broke, tmp_path
):
    user = make_user()
    token = make_token(user)
    project = make_project(user)
    if broke:
        spend_everything(user)
    before = balances(user.current_workspace_id)
    answer = client.post(f"/api/v1/projects/{project.id}/renders", headers=auth(token))
    assert answer.status_code == 202
    body = answer.get_json()
    assert body["status"] == "queued" and body["progress"] == 0 and "url" not in body
    assert (body["width"], body["height"]) == (1080, 1920)
    assert run_render_jobs() == 1
    done = client.get(f"/api/v1/renders/{body['id']}", headers=auth(token)).get_json()
    assert done["status"] == "succeeded" and done["progress"] == 1 and done["duration_s"] == 1.5
    assert fake_builder.calls == [(project.id, "9:16")]
    mp4 = client.get(done["url"], headers=auth(token))
    assert mp4.status_code == 200 and mp4.mimetype == "video/mp4"
    (tmp_path / "got.mp4").write_bytes(mp4.data)
    info = probe(tmp_path / "got.mp4")
    assert (
        info["video_codec"] == "h264"
        and info["audio_codec"] == "aac"
        and info["size"] == (180, 320)
    )
    assert balances(user.current_workspace_id) == before


def test_other_workspaces_get_404(client, fake_builder):
    owner, stranger = make_user(), make_user()
    project = make_project(owner)
    assert (
        client.post(
            f"/api/v1/projects/{project.id}/renders", headers=auth(make_token(stranger))
        ).status_code
        == 404
    )
    render_id = client.post(
        f"/api/v1/projects/{project.id}/renders", headers=auth(make_token(owner))
    ).get_json()["id"]
    for path in (f"/api/v1/renders/{render_id}", f"/api/v1/renders/{render_id}/file"):
        answer = client.get(path, headers=auth(make_token(stranger)))
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_file_is_404_until_done_and_bad_aspect_is_422(client, fake_builder):
    user = make_user()
    token = make_token(user)
    project = make_project(user)
    bad = client.post(
        f"/api/v1/projects/{project.id}/renders", json={"aspect": "4:3"}, headers=auth(token)
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "aspect"
    body = client.post(
        f"/api/v1/projects/{project.id}/renders", json={"aspect": "1:1"}, headers=auth(token)
    ).get_json()
    assert (body["width"], body["height"]) == (1080, 1080)
    assert client.get(f"/api/v1/renders/{body['id']}/file", headers=auth(token)).status_code == 404
    again = client.post(
        f"/api/v1/projects/{project.id}/renders", json={"aspect": "1:1"}, headers=auth(token)
    ).get_json()
    assert again["id"] == body["id"]  # a double click does not queue a second render


def test_unbuildable_project_fails_with_its_reason_and_a_webhook(client, fake_builder, monkeypatch):
    from fluxnote.studio.spec import SpecError
    from fluxnote.webhooks import outbound

    sent = []
    monkeypatch.setattr(outbound, "emit", lambda ws, event, data: sent.append((ws, event, data)))
    fake_builder.error = SpecError("Scene 2 has no visual yet.")
    user = make_user()
    project = make_project(user)
    token = make_token(user)
    render_id = client.post(
        f"/api/v1/projects/{project.id}/renders", headers=auth(token)
    ).get_json()["id"]
    run_render_jobs()
    body = client.get(f"/api/v1/renders/{render_id}", headers=auth(token)).get_json()
    assert body["status"] == "failed" and body["error"] == "Scene 2 has no visual yet."
    assert [(ws, event) for ws, event, _ in sent] == [(user.current_workspace_id, "render.failed")]


def test_success_emits_render_succeeded(client, fake_builder, monkeypatch):
    from fluxnote.webhooks import outbound

    sent = []
    monkeypatch.setattr(outbound, "emit", lambda ws, event, data: sent.append((event, data)))
    user = make_user()
    render_id = client.post(
        f"/api/v1/projects/{make_project(user).id}/renders", headers=auth(make_token(user))
    ).get_json()["id"]
    run_render_jobs()
    assert [(e, d["id"], d["status"]) for e, d in sent] == [
        ("render.succeeded", render_id, "succeeded")
    ]


def test_a_duplicate_job_does_nothing(app, fake_builder):
    from fluxnote.renders.jobs import render_project

    user = make_user()
    render = Render(
        workspace_id=user.current_workspace_id,
        project_id=make_project(user).id,
        aspect="9:16",
        width=1080,
        height=1920,
        job_id="render-dup",
        status="succeeded",
    )
    db.session.add(render)
    db.session.commit()
    render_project(render.id)
    assert fake_builder.calls == []


def test_render_job_on_postgresql(pg_app, fake_builder):
    from fluxnote.renders.jobs import render_project
    from fluxnote.renders.services import start_render

    user = make_user()
    render = start_render(_workspace(user), make_project(user).id, user)
    db.session.commit()
    render_project(render.id)
    done = db.session.get(Render, render.id, populate_existing=True)
    assert done.status == "succeeded" and done.progress == 1.0 and done.storage_key


def _workspace(user):
    from fluxnote.accounts.models import Workspace

    return db.session.get(Workspace, user.current_workspace_id)
