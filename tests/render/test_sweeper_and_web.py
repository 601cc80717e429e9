"""No render stays running forever; the studio's render panel polls only while working."""

import uuid
from datetime import timedelta

from fluxnote.extensions import db
from fluxnote.periodic import PERIODIC
from fluxnote.renders import sweeper
from fluxnote.renders.models import Render
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import get_queue
from tests.conftest import login, make_user
from tests.render.conftest import make_project, run_render_jobs


def stuck_render(user, attempts: int, minutes_silent: int = 10) -> Render:
    old = utcnow() - timedelta(minutes=minutes_silent)
    render = Render(
        workspace_id=user.current_workspace_id,
        project_id=make_project(user).id,
        aspect="9:16",
        width=1080,
        height=1920,
        job_id=f"render-stuck-{uuid.uuid4().hex}",
        status="running",
        progress=0.4,
        attempts=attempts,
        started_at=old,
        heartbeat_at=old,
        created_at=old,
    )
    db.session.add(render)
    db.session.commit()
    return render


def test_sweeper_is_registered(app):
    assert sweeper.sweep in PERIODIC


def test_a_silent_running_render_is_retried_once_then_failed(app, fake_builder):
    user = make_user()
    retried, given_up = stuck_render(user, attempts=1), stuck_render(user, attempts=2)
    fresh = stuck_render(user, attempts=1, minutes_silent=0)
    assert sweeper.sweep()["dead"] == 2
    assert db.session.get(Render, retried.id).status == "queued"
    failed = db.session.get(Render, given_up.id)
    assert failed.status == "failed" and "worker stopped" in failed.error
    assert db.session.get(Render, fresh.id).status == "running"
    assert get_queue("render").count == 1
    run_render_jobs()
    assert db.session.get(Render, retried.id, populate_existing=True).status == "succeeded"


def test_a_queued_render_whose_job_was_lost_is_enqueued_again(app, fake_builder):
    user = make_user()
    old = utcnow() - timedelta(minutes=5)
    render = Render(
        workspace_id=user.current_workspace_id,
        project_id=make_project(user).id,
        aspect="9:16",
        width=1080,
        height=1920,
        job_id="render-lost",
        created_at=old,
    )
    db.session.add(render)
    db.session.commit()
    assert sweeper.sweep()["requeued"] == 1
    assert sweeper.sweep()["requeued"] == 0  # its job is alive now
    run_render_jobs()
    assert db.session.get(Render, render.id, populate_existing=True).status == "succeeded"


def test_render_panel_polls_while_running_then_offers_the_download(client, fake_builder):
    user = make_user()
    project = make_project(user)
    login(client, user)
    started = client.post(f"/projects/{project.id}/render", data={"aspect": ""})
    assert started.status_code == 200
    html = started.get_data(as_text=True)
    assert 'id="render-status"' in html and 'hx-trigger="every 1s"' in html and "<progress" in html
    render_id = db.session.query(Render.id).scalar()
    run_render_jobs()
    html = client.get(f"/renders/{render_id}/status").get_data(as_text=True)
    assert "hx-trigger" not in html and f"/renders/{render_id}/download" in html
    download = client.get(f"/renders/{render_id}/download")
    assert download.status_code == 200 and download.data[4:8] == b"ftyp"
    assert "attachment" in download.headers["Content-Disposition"]


def test_render_pages_are_private(client, fake_builder):
    owner, stranger = make_user(), make_user()
    project = make_project(owner)
    login(client, stranger)
    assert client.post(f"/projects/{project.id}/render").status_code == 404
    client.get("/logout")
    login(client, owner)
    client.post(f"/projects/{project.id}/render")
    render_id = db.session.query(Render.id).scalar()
    client.get("/logout")
    login(client, stranger)
    assert client.get(f"/renders/{render_id}/status").status_code == 404
    assert client.get(f"/renders/{render_id}/download").status_code == 404


def test_openapi_documents_the_render_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/projects/{project_id}/renders"]
    assert (
        "get" in paths["/api/v1/renders/{render_id}"]
        and "get" in paths["/api/v1/renders/{render_id}/file"]
    )
