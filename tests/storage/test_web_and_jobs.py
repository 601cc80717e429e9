"""What users see through the store: redirects to presigned URLs, range requests on local
files, 503 `storage_unavailable`, and jobs that fail clearly without touching credits."""

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from fluxnote.assets.models import Asset
from fluxnote.extensions import db
from fluxnote.renders.models import Render
from fluxnote.storage import services as storage
from tests.conftest import auth, build_app, make_token, make_user
from tests.generation.conftest import credits, submit, work
from tests.render.conftest import make_project, run_render_jobs
from tests.storage.conftest import objects


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, token, data: bytes):
    return client.post(
        "/api/v1/uploads",
        headers=auth(token),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), "photo.png")},
    )


def no_scratch_left(app) -> bool:
    return not [p for p in (Path(app.config["DATA_DIR"]) / "tmp").rglob("*") if p.is_file()]


def break_store(app, endpoint: str) -> None:
    app.config["AWS"] = {**app.config["AWS"], "AWS_ENDPOINT_URL": endpoint}


def ready_project(user):
    project = make_project(user)
    project.status = "ready"  # built: a render starts at once
    db.session.commit()
    return project


def test_upload_streams_to_the_bucket_and_file_redirects_to_a_presigned_url(
    app, client, bucket, moto_url
):
    token = make_token(make_user())
    answer = upload(client, token, png())
    assert answer.status_code == 201
    asset = db.session.get(Asset, answer.get_json()["id"])
    assert objects(moto_url, bucket) == [f"media/{asset.storage_key}"]
    assert asset.size_bytes == len(png())
    file = client.get(f"/api/v1/assets/{asset.id}/file", headers=auth(token))
    assert file.status_code == 302 and file.headers["Cache-Control"] == "private, no-store"
    fetched = httpx.get(file.headers["Location"])
    assert fetched.content == png() and fetched.headers["content-type"] == "image/png"


def test_upload_to_a_failing_store_is_503_and_records_nothing(app, client, failing_store):
    token = make_token(make_user())
    break_store(app, failing_store.url)
    answer = upload(client, token, png())
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "storage_unavailable"
    assert db.session.query(Asset).count() == 0
    assert no_scratch_left(app)


def test_file_of_an_object_gone_from_the_store_is_404(app, client):
    token = make_token(make_user())
    asset_id = upload(client, token, png()).get_json()["id"]
    storage.delete(db.session.get(Asset, asset_id).storage_key)
    app.config["STORAGE_URL"] = ""  # the local backend: streams, so it notices
    answer = client.get(f"/api/v1/assets/{asset_id}/file", headers=auth(token))
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_local_files_stream_with_range_requests(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url)
    with app.app_context():
        client = app.test_client()
        token = make_token(make_user())
        asset_id = upload(client, token, png()).get_json()["id"]
        part = client.get(
            f"/api/v1/assets/{asset_id}/file", headers=auth(token) | {"Range": "bytes=0-7"}
        )
        assert part.status_code == 206 and part.data == png()[:8]


def test_render_stores_its_mp4_in_the_bucket_and_downloads_by_redirect(
    app, client, fake_builder, bucket, moto_url
):
    user = make_user()
    token = make_token(user)
    project = ready_project(user)
    render_id = client.post(
        f"/api/v1/projects/{project.id}/renders", headers=auth(token)
    ).get_json()["id"]
    run_render_jobs()
    render = db.session.get(Render, render_id)
    assert render.status == "succeeded" and f"media/{render.storage_key}" in objects(
        moto_url, bucket
    )
    assert render.size_bytes == storage.store().size(render.storage_key)
    answer = client.get(f"/api/v1/renders/{render_id}/file", headers=auth(token))
    assert answer.status_code == 302
    video = httpx.get(answer.headers["Location"])
    assert video.content[4:8] == b"ftyp" and len(video.content) == render.size_bytes
    assert video.headers["content-disposition"].endswith("''A%20short.mp4")  # the project title


def test_render_fails_clearly_when_the_store_is_down(app, client, fake_builder, failing_store):
    user = make_user()
    token = make_token(user)
    project = ready_project(user)
    before = credits(client, token)
    render_id = client.post(
        f"/api/v1/projects/{project.id}/renders", headers=auth(token)
    ).get_json()["id"]
    break_store(app, failing_store.url)
    run_render_jobs()
    done = client.get(f"/api/v1/renders/{render_id}", headers=auth(token)).get_json()
    assert done["status"] == "failed" and "media store is unavailable" in done["error"]
    assert credits(client, token) == before
    assert no_scratch_left(app)


@pytest.mark.usefixtures("fakes")
def test_generation_whose_result_cannot_be_stored_fails_and_releases(app, client, failing_store):
    user = make_user()
    token = make_token(user)
    gen = submit(client, token)
    break_store(app, failing_store.url)
    work()
    done = client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).get_json()
    assert done["status"] == "failed" and done["credit"] == "released"
    assert "Could not store the result" in done["error"]
    assert credits(client, token)["image"]["used"] == 0
    assert credits(client, token)["image"]["reserved"] == 0
    assert db.session.query(Asset).count() == 0


@pytest.mark.usefixtures("fakes")
def test_generation_result_lands_in_the_bucket(app, client, bucket, moto_url):
    token = make_token(make_user())
    gen = submit(client, token)
    work()
    done = client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).get_json()
    assert done["status"] == "succeeded"
    asset = db.session.query(Asset).one()
    assert objects(moto_url, bucket) == [f"media/{asset.storage_key}"]
    assert credits(client, token)["image"]["used"] == 1


def test_pages_allow_media_from_the_store_origin(app, client, moto_url):
    policy = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert moto_url in directives["media-src"] and moto_url in directives["img-src"]
    assert moto_url not in directives["script-src"] and moto_url not in directives["connect-src"]
