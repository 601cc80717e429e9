"""The generations API: validation, idempotency, out-of-credits answers, isolation."""

import pytest

from fluxnote.credits.services import ledger_sum
from tests.conftest import auth, make_token, make_user
from tests.generation.conftest import credits, submit, work

pytestmark = pytest.mark.usefixtures("fakes")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"model": "no-such-model"}, "model"),
        ({"model": "dall-e-3"}, "model"),  # shut down by OpenAI
        ({"kind": "audio"}, "kind"),
        ({"kind": "video"}, "model"),  # an image model asked for a video
        ({"prompt": "x" * 2001}, "prompt"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": 42}, "prompt"),
        ({"colour": "red"}, "colour"),
        ({"prompt": "nul\x00byte"}, "prompt"),
        ({"kind": "video", "model": "offline-video", "source_asset_id": 2**63}, "source_asset_id"),
        ({"aspect": "4:3"}, "aspect"),
        ({"variations": 5}, "variations"),
        ({"variations": True}, "variations"),
        ({"duration_s": 5}, "duration_s"),  # duration on an image
        ({"kind": "video", "model": "veo-3.1", "duration_s": 9}, "duration_s"),
        ({"kind": "video", "model": "veo-3.1", "duration_s": 5}, "duration_s"),  # makes 4, 6 or 8 s
        ({"kind": "video", "model": "runway-gen-4"}, "source_asset_id"),
        ({"kind": "video", "model": "offline-video", "source_asset_id": 999}, "source_asset_id"),
    ],
)
def test_bad_requests_are_422_with_field_and_cost_nothing(client, free, body, field):
    _, token = free
    before = credits(client, token)
    error = submit(client, token, expect=422, **body)["error"]
    assert error["code"] == "invalid" and error["field"] == field
    assert credits(client, token) == before


def test_non_object_body_and_missing_auth(client, free):
    _, token = free
    assert client.post("/api/v1/generations", data="nope", headers=auth(token)).status_code == 400
    assert client.post("/api/v1/generations", json=["a"], headers=auth(token)).status_code == 422
    assert client.post("/api/v1/generations", json={}).status_code == 401
    assert client.get(f"/api/v1/generations/{2**63}", headers=auth(token)).status_code == 404


def test_unavailable_model_is_refused_not_replaced(client, free, fakes, monkeypatch):
    from fluxnote.providers import registry

    monkeypatch.setattr(
        registry, "missing_key", lambda pid: "set FAL_KEY" if pid == "fal" else None
    )
    _, token = free
    error = submit(client, token, expect=422, model="flux-2-pro")["error"]
    assert error["field"] == "model" and "set FAL_KEY" in error["message"]
    assert not fakes["offline"].submitted and not fakes["fal"].submitted


def test_submit_reserves_then_success_captures(client, free, fakes):
    _, token = free
    gen = submit(client, token, prompt="a lighthouse at dawn", aspect="16:9")
    assert gen["status"] == "queued" and gen["credit"] == "reserved"
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 0,
        "reserved": 1,
        "remaining": 99,
    }
    work()
    done = client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).get_json()
    assert done["status"] == "succeeded" and done["credit"] == "captured" and done["finished_at"]
    asset = client.get(f"/api/v1/assets/{done['asset_id']}", headers=auth(token)).get_json()
    assert asset["engine"] == "FluxNote Offline Image" and asset["source"] == "generated"
    assert (asset["width"], asset["height"]) == (108, 192)
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 1,
        "reserved": 0,
        "remaining": 99,
    }
    request = fakes["offline"].submitted[0]
    assert (request.model, request.prompt, request.aspect) == (
        "offline-image",
        "a lighthouse at dawn",
        "16:9",
    )


def test_a_retired_model_is_refused_with_the_reason(client, free):
    _, token = free
    error = submit(client, token, expect=422, kind="video", model="sora-2-pro")["error"]
    assert error["field"] == "model" and "shut Sora 2 down on 2026-09-24" in error["message"]


def test_an_aspect_the_model_cannot_frame_is_made_at_its_nearest_and_said(client, free, fakes):
    _, token = free
    gen = submit(client, token, kind="video", model="veo-3.1", aspect="1:1", duration_s=4)
    assert gen["aspect"] == "1:1" and "generated at 9:16" in gen["notice"]
    work()
    request = fakes["fal"].submitted[0]
    assert (request.model, request.aspect, request.size) == ("fal-ai/veo3.1", "9:16", "1080x1920")
    plain = submit(client, token, model="flux-2-pro", aspect="1:1")
    assert "notice" not in plain


def test_same_idempotency_key_same_body_is_one_charge(client, free):
    _, token = free
    first = submit(client, token, key="k-1", prompt="owl")
    again = submit(client, token, key="k-1", prompt="owl")
    assert again["id"] == first["id"]
    assert credits(client, token)["image"]["remaining"] == 99
    error = submit(client, token, expect=409, key="k-1", prompt="cat")["error"]
    assert error["code"] == "idempotency_conflict"
    assert credits(client, token)["image"]["remaining"] == 99


def test_idempotency_keys_are_per_workspace(client, free):
    _, token = free
    other = make_token(make_user())
    assert submit(client, token, key="shared")["id"] != submit(client, other, key="shared")["id"]


def test_variations_reserve_all_or_nothing(client, app, free):
    user, token = free
    for _ in range(2):
        submit(client, token, variations=4)
    assert credits(client, token)["image"]["remaining"] == 92
    from fluxnote.credits.services import adjust
    from fluxnote.extensions import db

    adjust(user.current_workspace_id, "image", -90, "test-drain", None)
    db.session.commit()
    error = submit(client, token, expect=402, variations=3)["error"]
    assert error["remaining"] == 2
    assert credits(client, token)["image"]["remaining"] == 2
    gen = submit(client, token, variations=2)
    assert len(gen["variation_ids"]) == 2 and credits(client, token)["image"]["remaining"] == 0


def test_out_of_video_credits_is_402_with_kind_remaining_and_reset(client, free):
    _, token = free
    submit(client, token, kind="video", model="offline-video", duration_s=4)
    error = submit(client, token, expect=402, kind="video", model="offline-video")["error"]
    assert error["code"] == "insufficient_credits" and error["kind"] == "video"
    assert error["remaining"] == 0 and error["resets_at"].startswith("20")


def test_other_workspaces_generations_and_sources_are_invisible(client, app, free):
    _, token = free
    other = make_token(make_user())
    gen = submit(client, other)
    assert client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).status_code == 404
    assert (
        client.post(f"/api/v1/generations/{gen['id']}/cancel", headers=auth(token)).status_code
        == 404
    )
    work()
    theirs = client.get(f"/api/v1/generations/{gen['id']}", headers=auth(other)).get_json()[
        "asset_id"
    ]
    error = submit(
        client, token, expect=422, kind="video", model="offline-video", source_asset_id=theirs
    )["error"]
    assert error["field"] == "source_asset_id"


def test_image_to_video_from_own_image(client, free, fakes):
    user, token = free
    image = submit(client, token)
    work()
    asset_id = client.get(f"/api/v1/generations/{image['id']}", headers=auth(token)).get_json()[
        "asset_id"
    ]
    video = submit(
        client, token, kind="video", model="offline-video", source_asset_id=asset_id, duration_s=6
    )
    work()
    assert (
        client.get(f"/api/v1/generations/{video['id']}", headers=auth(token)).get_json()["status"]
        == "succeeded"
    )
    request = fakes["offline"].submitted[-1]
    assert request.kind == "video" and request.duration_s == 6 and request.source_image.is_file()
    ws = user.current_workspace_id
    assert ledger_sum(ws, "video") == credits(client, token)["video"]["remaining"] == 0


def test_cancel_releases_and_a_late_result_changes_nothing(client, free):
    _, token = free
    gen = submit(client, token)
    canceled = client.post(
        f"/api/v1/generations/{gen['id']}/cancel", headers=auth(token)
    ).get_json()
    assert canceled["status"] == "canceled" and canceled["credit"] == "released"
    work()
    again = client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).get_json()
    assert again["status"] == "canceled" and "asset_id" not in again
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 0,
        "reserved": 0,
        "remaining": 100,
    }


def test_models_and_generations_are_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/models", "/api/v1/generations", "/api/v1/generations/{generation_id}"} <= set(
        paths
    )
    assert "402" in paths["/api/v1/generations"]["post"]["responses"]


def test_a_project_of_another_workspace_is_refused_and_costs_nothing(client, free):
    _, token = free
    other = make_token(make_user())
    theirs = client.post(
        "/api/v1/projects", headers=auth(other), json={"topic": "owls", "template": "quote"}
    ).get_json()["id"]
    before = credits(client, token)
    for project_id in (theirs, 2**31 - 1):
        error = submit(client, token, expect=422, project_id=project_id)["error"]
        assert error["field"] == "project_id"
    assert credits(client, token) == before
    mine = client.post(
        "/api/v1/projects", headers=auth(token), json={"topic": "owls", "template": "quote"}
    ).get_json()["id"]
    assert submit(client, token, project_id=mine)["id"]
