"""Studio test helpers: short projects made through the API, flat visuals, renders."""

import io
from pathlib import Path

import pytest
from PIL import Image

from fluxnote.credits.services import snapshot
from fluxnote.extensions import db
from fluxnote.render.compose import compose
from fluxnote.studio.build import build_project
from fluxnote.studio.spec import build_render_spec
from tests.conftest import auth, make_token, make_user

COLOURS = [(200, 40, 40), (40, 160, 60), (40, 70, 200), (150, 60, 170)]


@pytest.fixture
def studio(app, client):
    """A user, their token headers, and ultrafast renders (the x264 preset does not change
    what these tests look at)."""
    app.config["RENDER_PRESET"] = "ultrafast"
    user = make_user()
    return {"user": user, "headers": auth(make_token(user)), "client": client}


def png_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (360, 640)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload(studio: dict, data: bytes, name: str = "visual.png"):
    return studio["client"].post(
        "/api/v1/uploads",
        headers=studio["headers"],
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def short_project(studio: dict, texts: list[str], template: str = "quote", **extra) -> dict:
    """Quick-create through the API, keep len(texts) scenes with these texts and a flat
    colour visual each (uploads), then build (as the job would). Returns the PROJECT."""
    client, headers = studio["client"], studio["headers"]
    created = client.post(
        "/api/v1/projects",
        headers=headers,
        json={"topic": "three hearts", "template": template, **extra},
    )
    assert created.status_code == 201, created.get_json()
    project = created.get_json()
    ids = [s["id"] for s in project["scenes"]][: len(texts)]
    assets = [upload(studio, png_bytes(COLOURS[i])).get_json()["id"] for i in range(len(texts))]
    patched = client.patch(
        f"/api/v1/projects/{project['id']}",
        headers=headers,
        json={
            "scene_order": ids,
            "scenes": [
                {"id": i, "text": t, "asset_id": a}
                for i, t, a in zip(ids, texts, assets, strict=False)
            ],
        },
    )
    assert patched.status_code == 200, patched.get_json()
    build_project(project["id"])
    return client.get(f"/api/v1/projects/{project['id']}", headers=headers).get_json()


def render(project_id: int, out: Path, aspect: str | None = None) -> tuple[Path, object]:
    spec = build_render_spec(project_id, aspect)
    return compose(spec, out), spec


def balances(workspace_id: int) -> dict:
    db.session.commit()
    return {
        k: (v["remaining"], v["used"], v["reserved"]) for k, v in snapshot(workspace_id).items()
    }
