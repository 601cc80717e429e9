"""First run: a visitor sees what FluxNote is; a new creator sees "Create a video", an
empty recent-videos list, and a checklist naming the variable that connects each part."""

import re

from fluxnote.dashboard.setup import checklist
from fluxnote.extensions import db
from fluxnote.renders.models import Render
from fluxnote.voice.catalog import VOICES
from tests.conftest import login, make_user
from tests.render.conftest import make_project, run_render_jobs


def test_a_visitor_gets_the_landing_page_not_a_login_form(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="landing"' in html
    assert "Topic in," in html and 'href="/signup"' in html and 'href="/login"' in html
    assert "Welcome back" not in html and 'name="password"' not in html


def test_a_new_creator_sees_create_a_video_and_an_empty_list(client):
    login(client, make_user())
    html = client.get("/").get_data(as_text=True)
    create = re.search(r'<form id="studio-new".*?</form>', html, re.S).group(0)
    assert 'hx-post="/studio"' in create and 'name="topic"' in create
    assert 'name="template" value="faceless_explainer" checked' in create
    assert 'id="recent-videos"' in html and "No videos yet." in html
    assert 'id="credit-counters"' in html  # the credit counters stay on the dashboard


def test_the_dashboard_create_form_makes_a_project(client):
    login(client, make_user())
    response = client.post(
        "/studio",
        data={"topic": "Why cats purr", "template": "quote"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/studio/")


def test_recent_videos_show_the_render_poster_or_a_scene_image(client, fake_builder):
    user = make_user()
    plain = make_project(user, title="Not rendered yet")
    done = make_project(user, title="Rendered one")
    login(client, user)
    client.post(f"/projects/{done.id}/render")
    run_render_jobs()
    render = db.session.query(Render).one()
    html = client.get("/").get_data(as_text=True)
    cards = dict(re.findall(r'data-project="(\d+)">(.*?)</li>', html, re.S))
    assert f'src="/renders/{render.id}/poster.jpg"' in cards[str(done.id)]
    assert "0:01" in cards[str(done.id)]  # the render's length on the thumbnail
    assert "poster" not in cards[str(plain.id)] and "Not rendered yet" in cards[str(plain.id)]
    assert html.index("Rendered one") < html.index("Not rendered yet")  # newest first


def test_a_workspace_sees_only_its_own_videos(client):
    mine, theirs = make_user(), make_user()
    make_project(theirs, title="Somebody else's video")
    login(client, mine)
    assert "Somebody else" not in client.get("/").get_data(as_text=True)


def test_the_checklist_names_the_variable_that_connects_each_part():
    bare = {c.id: c for c in checklist({"PROVIDER_KEYS": {}, "STOCK": {}})}
    assert [c.state for c in bare.values()] == ["offline"] * 4
    assert [v for v, _ in bare["writer"].to_connect] == [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "FLUXNOTE_WRITER_MODEL",
    ]
    assert [v for v, _ in bare["stock"].to_connect] == ["PEXELS_API_KEY", "PIXABAY_API_KEY"]
    assert "ELEVENLABS_API_KEY" in dict(bare["voices"].to_connect)
    assert set(dict(bare["visuals"].to_connect)) == {
        "FAL_KEY",
        "REPLICATE_API_TOKEN",
        "OPENAI_API_KEY",
        "RUNWAYML_API_SECRET",
    }
    some = checklist(
        {
            "PROVIDER_KEYS": {"FAL_KEY": "k", "ELEVENLABS_API_KEY": "k"},
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
            "WRITER_MODEL": "llama3.1",
            "STOCK": {"PEXELS_API_KEY": "k"},
        }
    )
    got = {c.id: c for c in some}
    assert all(c.state == "ok" for c in some)
    assert "llama3.1 at http://127.0.0.1:11434/v1" in got["writer"].now
    assert got["visuals"].connected == ["fal.ai"] and "FAL_KEY" not in dict(
        got["visuals"].to_connect
    )
    assert [v for v, _ in got["stock"].to_connect] == ["PIXABAY_API_KEY"]


def test_the_dashboard_shows_the_running_config(app, client):
    app.config["PROVIDER_KEYS"] = {**app.config["PROVIDER_KEYS"], "ELEVENLABS_API_KEY": "k"}
    login(client, make_user())
    html = client.get("/").get_data(as_text=True)
    voices = re.search(r'data-check="voices">(.*?)</li>\s*<li', html, re.S).group(1)
    assert "ElevenLabs voices, plus" in voices and "ELEVENLABS_API_KEY" not in voices
    openai = sum(1 for v in VOICES.values() if v.provider == "openai")  # as many as offered
    assert "OPENAI_API_KEY" in voices and f"the {openai} OpenAI voices" in voices
    stock = re.search(r'data-check="stock">(.*?)</ul>', html, re.S).group(1)
    assert "PEXELS_API_KEY" in stock and "PIXABAY_API_KEY" in stock


def test_stock_footage_is_the_default_once_a_key_is_set(app, client):
    login(client, make_user())
    form = re.search(
        r'<form id="studio-new".*?</form>', client.get("/").get_data(as_text=True), re.S
    )
    assert 'value="stock" disabled' in form.group(0) and "PEXELS_API_KEY" in form.group(0)
    assert 'value="offline" checked' in form.group(0)
    app.config["STOCK"] = {**app.config["STOCK"], "PIXABAY_API_KEY": "k"}
    form = re.search(
        r'<form id="studio-new".*?</form>', client.get("/").get_data(as_text=True), re.S
    )
    assert 'value="stock" checked' in form.group(0) and '" disabled>' not in form.group(0)


def test_an_article_address_goes_to_quick_create(client):
    login(client, make_user())
    response = client.post(
        "/studio",
        data={"source_url": "http://127.0.0.1:9/private", "template": "news"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422  # refused before anything is made
    assert 'data-field="source_url"' in response.get_data(as_text=True)
