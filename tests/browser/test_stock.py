"""Stock footage in the studio, in headless Chromium: what made each visual, its credit,
alternates from our own storage, and a swap that polls until the clip is fetched."""

import re

import pytest
from playwright.sync_api import expect

from fluxnote.accounts.models import Workspace
from fluxnote.extensions import db
from fluxnote.studio import create
from fluxnote.studio.build import draw_scenes, stock_scenes
from fluxnote.studio.models import Project
from tests.browser.conftest import log_in
from tests.browser.test_studio import work
from tests.conftest import make_user
from tests.stock.conftest import make_media, serve_library


@pytest.fixture(scope="session")
def stock_media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("stockmedia"))


def test_a_stock_scene_shows_its_credit_and_swaps_an_alternate(
    page,
    live_app,
    console_errors,
    stock_media,
    tmp_path,
):
    with serve_library(live_app, stock_media):
        with live_app.app_context():  # set up, then let go of the database for the server
            project_id, email = _stock_project()
            db.session.remove()
        log_in(page, email)
        page.goto(f"/studio/{project_id}")
        first = page.locator(".scene-visual").first
        expect(first.locator(".visual-source")).to_contain_text("Video by", timeout=15_000)
        expect(first.locator(".visual-source")).to_contain_text("License")
        expect(first.locator(".stock-option img")).to_have_count(4)
        page.screenshot(path=str(tmp_path / "stock-studio.png"), full_page=False)
        first.locator(".stock-option").nth(3).click()
        expect(page.locator(".scene-visual").first).to_contain_text("fetching…", timeout=15_000)
        assert work(live_app, "default") == 1  # the swap job downloads the clip
        first = page.locator(".scene-visual").first
        expect(first).not_to_contain_text("fetching…", timeout=15_000)
        expect(first.locator(".stock-option.current")).to_have_count(1)
    assert console_errors == []
    assert re.search(r"/studio/\d+", page.url)


def _stock_project() -> tuple[int, str]:
    """A stock project whose visuals are fetched (no narration: the page looks at them)."""
    user = make_user()
    workspace = db.session.get(Workspace, user.current_workspace_id)
    req = create.parse_request(
        {"topic": "why octopuses have three hearts", "template": "quote", "visuals": "stock"}
    )
    project = create.quick_create(workspace, user.id, req, enqueue=False)
    stock_scenes(project.id)
    draw_scenes(project.id)
    db.session.get(Project, project.id).status = "ready"  # as the build leaves it
    db.session.commit()
    return project.id, user.email
