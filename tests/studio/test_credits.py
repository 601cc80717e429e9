"""Everything in the studio is free; only generations the creator asks for spend credits."""

import pytest

from fluxnote.credits.services import capture, ledger_sum, reserve
from fluxnote.extensions import db
from fluxnote.generation.models import Generation
from fluxnote.studio.models import Project, Scene
from tests.render.conftest import run_render_jobs
from tests.render.test_jobs import spend_everything
from tests.studio.conftest import balances, short_project


@pytest.mark.parametrize("broke", [False, True], ids=["with-credits", "at-zero-credits"])
def test_quick_create_restyle_voice_swap_duplicate_and_render_leave_credits_alone(studio, broke):
    client, headers, user = studio["client"], studio["headers"], studio["user"]
    if broke:
        spend_everything(user)
    ws = user.current_workspace_id
    before = balances(ws), ledger_sum(ws, "image"), ledger_sum(ws, "video")
    project = short_project(studio, ["Credits stay put."])
    pid = project["id"]
    assert (
        client.patch(
            f"/api/v1/projects/{pid}",
            headers=headers,
            json={"caption_style": "typewriter", "caption_overrides": {"size": 90}},
        ).status_code
        == 200
    )
    scene_id = project["scenes"][0]["id"]
    narration = db.session.get(Scene, scene_id).audio_key
    db.session.rollback()
    swapped = client.patch(
        f"/api/v1/projects/{pid}", headers=headers, json={"voice": "piper-joe-deep"}
    )
    assert swapped.status_code == 200
    # re-voiced: a new narration file (its length may round to the old one's, as it once did)
    assert db.session.get(Scene, scene_id, populate_existing=True).audio_key != narration
    variant = client.post(f"/api/v1/projects/{pid}/duplicate", headers=headers)
    assert variant.status_code == 201
    render = client.post(f"/api/v1/projects/{variant.get_json()['id']}/renders", headers=headers)
    assert render.status_code == 202
    assert run_render_jobs() == 1
    done = client.get(f"/api/v1/renders/{render.get_json()['id']}", headers=headers).get_json()
    assert done["status"] == "succeeded", done
    assert (balances(ws), ledger_sum(ws, "image"), ledger_sum(ws, "video")) == before


def test_generated_visuals_state_their_cost_and_reserve_one_credit_per_scene(studio):
    client, headers, user = studio["client"], studio["headers"], studio["user"]
    ws = user.current_workspace_id
    before = balances(ws)["image"]
    created = client.post(
        "/api/v1/projects",
        headers=headers,
        json={"topic": "tide pools", "template": "quote", "visuals": "generate_images"},
    )
    assert created.status_code == 201
    body = created.get_json()
    scenes = len(body["scenes"])
    assert (
        body["cost"] == {"kind": "image", "credits": scenes} and len(body["generations"]) == scenes
    )
    remaining, used, reserved = balances(ws)["image"]
    assert remaining == before[0] - scenes and reserved == before[2] + scenes


def test_out_of_credits_generated_visuals_are_402_and_create_nothing(studio):
    client, headers, user = studio["client"], studio["headers"], studio["user"]
    spend_everything(user)
    answer = client.post(
        "/api/v1/projects",
        headers=headers,
        json={"topic": "tide pools", "template": "quote", "visuals": "generate_video"},
    )
    assert answer.status_code == 402
    error = answer.get_json()["error"]
    assert (
        error["code"] == "insufficient_credits"
        and error["kind"] == "video"
        and error["remaining"] == 0
    )
    db.session.commit()
    assert db.session.query(Project).count() == 0 and db.session.query(Generation).count() == 0


def test_a_quick_create_refused_midway_writes_nothing_and_sends_no_job(studio, monkeypatch):
    """The balance check passes, then the last scene's reserve fails (the credits went
    elsewhere meanwhile): the project, its generations, their holds and their jobs all go."""
    from fluxnote.studio import create
    from fluxnote.tasks import get_queue

    client, headers, user = studio["client"], studio["headers"], studio["user"]
    ws = user.current_workspace_id
    left = balances(ws)["image"][0]
    for hold in reserve(ws, "image", "spend-all-but-one", user.id, count=left - 1):
        capture(hold.id)
    db.session.commit()
    monkeypatch.setattr(
        create, "cost", lambda req, n, ws_id: {"kind": "image", "credits": n, "remaining": n}
    )
    before = (balances(ws)["image"], ledger_sum(ws, "image"))
    body = {
        "source_text": "Tide pools hide crabs. Anemones close at low tide. Starfish wait "
        "for the sea to come back. Children count them all.",
        "template": "faceless_explainer",
        "visuals": "generate_images",
    }
    assert len(create.draft(create.parse_request(body)).scenes) >= 2
    answer = client.post("/api/v1/projects", headers=headers, json=body)
    assert answer.status_code == 402
    db.session.commit()
    assert db.session.query(Project).count() == 0 and db.session.query(Generation).count() == 0
    assert (balances(ws)["image"], ledger_sum(ws, "image")) == before
    assert all(get_queue(name).count == 0 for name in ("priority", "default"))
