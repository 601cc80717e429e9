"""What the studio's player and download get: the MP4 inline with ranges (206), the
download named after the project's title, a poster frame, the panel with the player."""

import pytest

from fluxnote.extensions import db
from fluxnote.renders.files import safe_filename
from fluxnote.renders.models import Render
from tests.conftest import login, make_user
from tests.render.conftest import make_project, run_render_jobs


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Why octopuses have three hearts", "Why octopuses have three hearts.mp4"),
        ('../../etc/passwd: "a/b\\c" <x>|?*', "etc passwd a b c x.mp4"),
        ("Café – 東京の夜", "Café 東京の夜.mp4"),
        ("...", "FluxNote video.mp4"),
        ("\x00\x1f\u202e", "FluxNote video.mp4"),
        ("x" * 300, "x" * 80 + ".mp4"),
    ],
)
def test_safe_filename_keeps_the_title_readable_and_harmless(title, name):
    assert safe_filename(title) == name


def rendered(client, title="Why cats purr: 5 facts"):
    user = make_user()
    project = make_project(user, title=title)
    project.status = "ready"
    db.session.commit()
    login(client, user)
    client.post(f"/projects/{project.id}/render")
    run_render_jobs()
    return user, project, db.session.query(Render).one()


def test_the_download_is_named_after_the_project(client, fake_builder):
    _, _, render = rendered(client, title="Café: why cats purr")
    response = client.get(f"/renders/{render.id}/download")
    disposition = response.headers["Content-Disposition"]
    assert response.status_code == 200 and disposition.startswith("attachment")
    assert "filename*=UTF-8''Caf%C3%A9%20why%20cats%20purr.mp4" in disposition
    api = client.get(f"/renders/{render.id}/video")
    assert api.headers["Content-Disposition"].startswith("inline")


def test_the_player_gets_byte_ranges(client, fake_builder):
    _, _, render = rendered(client)
    whole = client.get(f"/renders/{render.id}/video")
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.mimetype == "video/mp4"
    part = client.get(f"/renders/{render.id}/video", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    tail = client.get(f"/renders/{render.id}/video", headers={"Range": "bytes=-16"})
    assert tail.status_code == 206 and tail.data == whole.data[-16:]
    beyond = client.get(
        f"/renders/{render.id}/video", headers={"Range": f"bytes={len(whole.data) + 10}-"}
    )
    assert beyond.status_code == 416


def test_the_poster_is_a_frame_of_the_render(client, fake_builder, app):
    _, _, render = rendered(client)
    poster = client.get(f"/renders/{render.id}/poster.jpg")
    assert poster.status_code == 200 and poster.mimetype == "image/jpeg"
    assert poster.data[:3] == b"\xff\xd8\xff"
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(poster.data))
    assert image.size == (360, 640)  # the render's 9:16 frame, scaled for a thumbnail
    again = client.get(f"/renders/{render.id}/poster.jpg")
    assert again.data == poster.data


def test_the_panel_plays_the_latest_finished_render_while_a_new_one_runs(client, fake_builder):
    _, project, render = rendered(client)
    html = client.get(f"/studio/{project.id}").get_data(as_text=True)
    assert f'src="/renders/{render.id}/video"' in html and "<video" in html
    assert f'poster="/renders/{render.id}/poster.jpg"' in html
    started = client.post(f"/projects/{project.id}/render").get_data(as_text=True)
    newer = db.session.query(Render).order_by(Render.id.desc()).first()
    assert newer.id != render.id and newer.status == "queued"
    # the new render polls in its own box: the player of the previous one stays
    assert 'id="render-progress"' in started and f'src="/renders/{render.id}/video"' in started
    poll = client.get(f"/renders/{newer.id}/status", headers={"HX-Target": "render-progress"})
    assert "<video" not in poll.get_data(as_text=True) and "HX-Retarget" not in poll.headers
    run_render_jobs()
    done = client.get(f"/renders/{newer.id}/status", headers={"HX-Target": "render-progress"})
    assert done.headers["HX-Retarget"] == "#render-status"
    assert f'src="/renders/{newer.id}/video"' in done.get_data(as_text=True)


def test_files_of_unfinished_or_foreign_renders_are_404(client, fake_builder):
    user, project, render = rendered(client)
    client.post(f"/projects/{project.id}/render")
    queued = db.session.query(Render).order_by(Render.id.desc()).first()
    for path in ("video", "poster.jpg", "download"):
        assert client.get(f"/renders/{queued.id}/{path}").status_code == 404
    client.get("/logout")
    login(client, make_user())
    for path in ("video", "poster.jpg", "download"):
        assert client.get(f"/renders/{render.id}/{path}").status_code == 404
