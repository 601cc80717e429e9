"""The studio's generate page: cost before spend, instant counter, self-stopping status."""

import re

from fluxnote.extensions import db
from fluxnote.generation.models import Generation
from tests.conftest import login, make_user
from tests.generation.conftest import work

HTMX = {"HX-Request": "true"}


def _page(client):
    return client.get("/generate").get_data(as_text=True)


def test_page_shows_models_cost_and_remaining(client, fakes):
    login(client, make_user())
    html = _page(client)
    assert "Uses 1 image credit — <b data-remaining>100</b> left" in html
    assert "FluxNote Offline Video" in html and "Veo 3.1" in html
    cost = client.get("/generate/cost?model=offline-video&variations=1").get_data(as_text=True)
    assert "Uses 1 video credit — <b data-remaining>1</b> left" in cost


def test_unavailable_models_are_disabled_with_the_reason(client, fakes, monkeypatch):
    from fluxnote.providers import registry

    monkeypatch.setattr(
        registry, "missing_key", lambda pid: None if pid == "offline" else "set FAL_KEY"
    )
    login(client, make_user())
    assert re.search(
        r'value="veo-3.1"\s+disabled>Veo 3.1 · 9:16 16:9 · 1080p — unavailable: set FAL_KEY',
        _page(client),
    )


def test_submit_reserves_at_once_and_status_polls_only_while_in_flight(client, fakes):
    login(client, make_user())
    resp = client.post(
        "/generate",
        data={"model": "offline-image", "prompt": "a fox", "aspect": "1:1", "variations": "2"},
        headers=HTMX,
    )
    assert resp.status_code == 200 and resp.headers["HX-Trigger"] == "credits-changed"
    cards = resp.get_data(as_text=True)
    assert cards.count('hx-trigger="every 1s"') == 2
    assert "Uses 1 image credit — <b data-remaining>98</b> left" in _page(client)
    gen_id = db.session.query(Generation.id).order_by(Generation.id).first()[0]
    work()
    status = client.get(f"/generate/{gen_id}/status?was=queued")
    html = status.get_data(as_text=True)
    assert "every 1s" not in html and status.headers["HX-Trigger"] == "credits-changed"
    asset_id = db.session.get(Generation, gen_id).asset_id
    assert f"/media/assets/{asset_id}" in html and "Fake" not in html
    assert "FluxNote Offline Image" in html
    media = client.get(f"/media/assets/{asset_id}")
    assert media.status_code == 200 and media.mimetype == "image/png"


def test_out_of_credits_names_the_refresh_date_and_a_covering_plan(client, fakes):
    login(client, make_user())
    form = {"model": "offline-video", "prompt": "waves", "duration_s": "4"}
    assert client.post("/generate", data=form, headers=HTMX).status_code == 200
    resp = client.post("/generate", data=form, headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 402 and resp.headers["HX-Retarget"] == "#gen-form"
    assert "out of video credits" in html and "refresh on" in html
    assert "The <b>Rise</b> plan (21 video credits a month) would cover it" in html


def test_invalid_form_is_422_with_the_form(client, fakes):
    login(client, make_user())
    resp = client.post("/generate", data={"model": "offline-image", "prompt": ""}, headers=HTMX)
    assert resp.status_code == 422 and 'id="gen-form"' in resp.get_data(as_text=True)


def test_media_and_status_of_another_workspace_are_404(client, fakes):
    owner = make_user()
    login(client, owner)
    client.post("/generate", data={"model": "offline-image", "prompt": "mine"}, headers=HTMX)
    work()
    gen = db.session.query(Generation).one()
    client.post("/logout")
    login(client, make_user())
    assert client.get(f"/media/assets/{gen.asset_id}").status_code == 404
    assert client.get(f"/generate/{gen.id}/status").status_code == 404
    assert client.post(f"/generate/{gen.id}/cancel").status_code == 404


def test_without_htmx_the_form_posts_and_redirects(client, fakes):
    login(client, make_user())
    resp = client.post("/generate", data={"model": "offline-image", "prompt": "plain form"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/generate")
    assert "plain form" in _page(client)
    bad = client.post("/generate", data={"model": "nope", "prompt": "x"})
    assert bad.status_code == 422 and "<html" in bad.get_data(as_text=True)


def test_too_few_credits_for_the_variations_says_how_many(client, app, fakes):
    from fluxnote.credits.services import adjust

    user = make_user()
    adjust(user.current_workspace_id, "image", -98, "test-drain", None)
    db.session.commit()
    login(client, user)
    resp = client.post(
        "/generate",
        data={"model": "offline-image", "prompt": "ads", "variations": "3"},
        headers=HTMX,
    )
    assert resp.status_code == 402
    assert "This needs 3 image credits and only 2 are left." in resp.get_data(as_text=True)
