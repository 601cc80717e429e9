"""The studio's publish panel (an htmx partial) and the settings section."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.publishing.models import Publication, PublishTarget
from tests.publishing.conftest import connect, finished_render
from tests.videos.conftest import work


def test_the_panel_publishes_polls_while_in_flight_then_links_the_post(creator, google):
    client = creator["client"]
    connect(client, "youtube")
    render, _ = finished_render(creator["user"])
    target = db.session.scalar(select(PublishTarget))
    answer = client.post(
        f"/renders/{render.id}/publish",
        data={"target_id": target.id, "title": "Owls at night", "privacy": "private"},
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'data-status="queued"' in html and "every 2s" in html
    work("default")
    html = client.get(f"/renders/{render.id}/publications").get_data(as_text=True)
    assert 'data-status="published"' in html and "every 2s" not in html
    assert f"https://www.youtube.com/shorts/{google.videos[0]['id']}" in html


def test_a_bad_form_is_422_with_the_reason_and_publishes_nothing(creator, google):
    client = creator["client"]
    connect(client, "youtube")
    render, _ = finished_render(creator["user"])
    target = db.session.scalar(select(PublishTarget))
    answer = client.post(
        f"/renders/{render.id}/publish",
        data={"target_id": target.id, "title": "x", "publish_at": "2099-01-01T10:00"},
    )
    assert answer.status_code == 422 and "within a year" in answer.get_data(as_text=True)
    assert "data-publication" not in answer.get_data(as_text=True)


def test_a_scheduled_time_is_read_in_the_browsers_time_zone(creator, google):
    client = creator["client"]
    connect(client, "youtube")
    render, _ = finished_render(creator["user"])
    target = db.session.scalar(select(PublishTarget))
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    form = {"target_id": target.id, "title": "x", "publish_at": f"{day}T10:00"}

    refused = client.post(f"/renders/{render.id}/publish", data={**form, "time_zone": "Mars/Base"})
    assert refused.status_code == 422 and "Unknown time zone" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Publication)) is None

    answer = client.post(f"/renders/{render.id}/publish", data={**form, "time_zone": "Asia/Tokyo"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'data-status="scheduled"' in html
    publication = db.session.scalar(select(Publication))
    assert publication.publish_at == datetime.fromisoformat(f"{day}T01:00+00:00")  # 10:00 +09:00
    assert f'<time datetime="{day}T01:00:00+00:00" data-local-time>' in html  # app.js: local


def test_without_accounts_the_panel_points_to_settings(creator):
    render, _ = finished_render(creator["user"])
    html = creator["client"].get(f"/renders/{render.id}/publications").get_data(as_text=True)
    assert "Connect a YouTube or TikTok account" in html and "publish-form" not in html
