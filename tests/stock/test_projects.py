"""A stock-footage project end to end: create, build, swap alternates, render. Free."""

from fluxnote.assets.models import Asset
from fluxnote.extensions import db
from fluxnote.studio import footage, jobs
from fluxnote.studio.build import build_project, draw_scenes, stock_scenes
from fluxnote.studio.models import Project, Scene
from tests.studio.conftest import balances, render


def _visuals(project_id: int) -> None:
    """The visuals steps of the build alone (no narration: these tests look at pictures),
    then the project is marked ready as the build would."""
    stock_scenes(project_id)
    draw_scenes(project_id)
    db.session.get(Project, project_id).status = "ready"
    db.session.commit()


def _create(studio, **extra):
    return studio["client"].post(
        "/api/v1/projects",
        headers=studio["headers"],
        json={"topic": "why octopuses have three hearts", "template": "quote", "visuals": "stock"}
        | extra,
    )


def test_stock_needs_a_key_and_says_which(app, studio):
    app.config["STOCK"] = dict(app.config["STOCK"], PEXELS_API_KEY="", PIXABAY_API_KEY="")
    answer = _create(studio)
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["field"] == "visuals" and "PEXELS_API_KEY" in error["message"]


def test_a_stock_project_renders_with_attributed_footage_and_costs_nothing(
    app, studio, library, tmp_path
):
    before = balances(studio["user"].current_workspace_id)
    created = _create(studio)
    assert created.status_code == 201, created.get_json()
    project = created.get_json()
    assert "cost" not in project and project["visuals"] == "stock"
    assert project["scenes"][0]["stock"]["terms"][0] == "octopuses"
    build_project(project["id"])
    body = studio["client"].get(f"/api/v1/projects/{project['id']}", headers=studio["headers"])
    project = body.get_json()
    assert project["status"] == "ready"
    for scene in project["scenes"]:
        assert len(scene["stock"]["options"]) == 4 and "note" not in scene["stock"]
        asset = (
            studio["client"]
            .get(f"/api/v1/assets/{scene['asset_id']}", headers=studio["headers"])
            .get_json()
        )
        assert asset["source"] == "stock" and asset["kind"] == "video"
        assert asset["attribution"]["licence"] in ("Pexels License", "Pixabay Content License")
        assert asset["width"] == 1080 and asset["height"] == 1920
    # every scene searched the same library answer: the same clip is downloaded once
    assert len({s["asset_id"] for s in project["scenes"]}) == 1
    assert len(library.downloads) == 1
    assert balances(studio["user"].current_workspace_id) == before
    out, spec = render(project["id"], tmp_path / "stock.mp4")
    assert out.stat().st_size > 10_000 and all(s.visual_kind == "video" for s in spec.scenes)


def test_swapping_an_alternate_fetches_it_once_then_swaps_at_once(app, studio, library):
    project = _create(studio).get_json()
    _visuals(project["id"])
    scene = db.session.get(Scene, project["scenes"][0]["id"])
    first_asset = scene.asset_id
    assert footage.request_swap(scene.project, scene, 2) is False  # not downloaded yet
    db.session.commit()
    assert db.session.get(Scene, scene.id).stock["pending"] == 2
    jobs.swap_stock(scene.id, 2)
    scene = db.session.get(Scene, scene.id)
    assert scene.asset_id != first_asset and scene.stock["chosen"] == 2
    assert scene.stock["pending"] is None
    downloads = len(library.downloads)
    assert footage.request_swap(scene.project, scene, 0) is True  # cached: instant
    db.session.commit()
    assert db.session.get(Scene, scene.id).asset_id == first_asset
    assert len(library.downloads) == downloads


def test_a_broken_download_falls_through_to_the_next_alternate(app, studio, library):
    library.broken.update({"v=100", "px=1"})  # the two best clips send garbage
    project = _create(studio).get_json()
    _visuals(project["id"])
    scene = db.session.get(Scene, project["scenes"][0]["id"])
    asset = db.session.get(Asset, scene.asset_id)
    assert asset.source == "stock" and scene.stock["chosen"] == 2 and not scene.stock["note"]


def test_footage_on_a_private_address_is_refused_and_the_offline_picture_stands_in(
    app, studio, library
):
    app.config["ALLOW_PRIVATE_URLS"] = False
    project = _create(studio).get_json()
    _visuals(project["id"])
    scene = db.session.get(Scene, project["scenes"][0]["id"])
    assert "private or loopback" in scene.stock["note"]
    assert db.session.get(Asset, scene.asset_id).source == "generated"  # offline picture
    assert library.downloads == []


def test_no_footage_found_leaves_a_note_and_an_offline_picture(app, studio, library):
    library.empty_queries.add("*")
    project = _create(studio, topic="octopuses").get_json()
    _visuals(project["id"])
    scene = db.session.get(Scene, project["scenes"][0]["id"])
    assert scene.stock["note"].startswith("No stock footage") and scene.asset_id


def test_the_studio_says_what_made_each_visual_and_swaps_alternates(app, studio, library):
    from tests.conftest import login

    project = _create(studio).get_json()
    _visuals(project["id"])
    client = studio["client"]
    login(client, studio["user"])
    page = client.get(f"/studio/{project['id']}").get_data(as_text=True)
    assert "Video by Videographer" in page or "Video by pixauthor" in page
    assert "Pexels License" in page or "Pixabay Content License" in page
    assert page.count('<button class="stock-option') == 4 * len(project["scenes"])
    thumb = client.get(f"/studio/{project['id']}/scenes/{project['scenes'][0]['id']}/stock/1/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"  # kept, served by us
    scene_id = project["scenes"][0]["id"]
    answer = client.post(f"/studio/{project['id']}/scenes/{scene_id}/stock/3")
    assert answer.status_code == 200 and "fetching…" in answer.get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in answer.get_data(as_text=True)  # polls while fetching
    jobs.swap_stock(scene_id, 3)  # what the worker runs
    block = client.get(f"/studio/{project['id']}/scenes/{scene_id}/visual").get_data(as_text=True)
    assert "fetching…" not in block and "every 2s" not in block
    assert client.post(f"/studio/{project['id']}/scenes/{scene_id}/stock/9").status_code == 422


def test_an_offline_visual_says_how_to_get_better_ones(app, studio):
    from tests.conftest import login

    created = (
        studio["client"]
        .post(
            "/api/v1/projects",
            headers=studio["headers"],
            json={"topic": "why octopuses have three hearts", "template": "quote"},
        )
        .get_json()
    )
    _visuals(created["id"])
    login(studio["client"], studio["user"])
    page = studio["client"].get(f"/studio/{created['id']}").get_data(as_text=True)
    assert "offline illustrator" in page and "PEXELS_API_KEY" in page
