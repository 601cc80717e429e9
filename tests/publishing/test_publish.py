"""Publishing a render: resumable uploads, retries, clear failures, never twice."""

from datetime import timedelta

from sqlalchemy import select

from fluxnote.credits.services import snapshot
from fluxnote.extensions import db
from fluxnote.publishing import sweeper
from fluxnote.publishing.models import Publication, PublishTarget
from fluxnote.sqltypes import utcnow
from tests.conftest import auth, make_token, make_user
from tests.publishing.conftest import connect, finished_render, publish
from tests.videos.conftest import queued, work


def target_id(platform: str) -> int:
    return db.session.scalar(select(PublishTarget.id).where(PublishTarget.platform == platform))


def read(creator, publication_id: int) -> dict:
    return (
        creator["client"]
        .get(f"/api/v1/publications/{publication_id}", headers=creator["headers"])
        .get_json()
    )


def test_youtube_upload_survives_a_dropped_connection_and_posts_once(creator, google, events_sent):
    connect(creator["client"], "youtube")
    render, data = finished_render(creator["user"])
    credits_before = snapshot(creator["user"].current_workspace_id)
    google.drop_after = 100_000  # the second chunk is cut after 100 kB
    answer = publish(
        creator["client"],
        creator["headers"],
        render.id,
        target_id("youtube"),
        description="Hoots explained",
        privacy="unlisted",
    )
    assert answer.status_code == 202, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["platform"], body["render_id"]) == ("queued", "youtube", render.id)
    work("default")
    done = read(creator, body["id"])
    assert done["status"] == "published", done
    (video,) = google.videos
    assert (
        done["post_id"] == video["id"]
        and done["url"] == f"https://www.youtube.com/shorts/{video['id']}"
    )
    session = next(iter(google.sessions.values()))
    assert bytes(session.data) == data and len(google.sessions) == 1
    assert (
        video["snippet"]["title"] == "Why owls hoot"
        and video["status"]["privacyStatus"] == "unlisted"
    )
    assert ("PUT", "/upload/youtube/v3/videos") in google.requests
    assert [e for e, _ in events_sent] == ["publication.succeeded"]
    assert snapshot(creator["user"].current_workspace_id) == credits_before  # free


def test_a_second_job_for_the_same_publication_posts_nothing(creator, google):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    body = publish(
        creator["client"], creator["headers"], render.id, target_id("youtube")
    ).get_json()
    work("default")
    from fluxnote.publishing.jobs import publish as publish_job

    publish_job(body["id"])
    db.session.execute(
        Publication.__table__.update().values(status="queued").where(Publication.id == body["id"])
    )
    db.session.commit()
    publish_job(body["id"])  # even re-run after success, it resumes the finished session
    assert len(google.videos) == 1 and len(google.sessions) == 1


def test_quota_exceeded_fails_clearly_without_retrying(creator, google, events_sent):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    google.quota_exceeded = True
    body = publish(
        creator["client"], creator["headers"], render.id, target_id("youtube")
    ).get_json()
    work("default")
    done = read(creator, body["id"])
    assert done["status"] == "failed" and done["error"].startswith("quota_exceeded: ")
    assert "quotaExceeded" in done["error"]
    assert sweeper.sweep(utcnow() + timedelta(days=1))["requeued"] == 0
    assert [e for e, _ in events_sent] == ["publication.failed"]


def test_a_revoked_grant_fails_with_consent_expired_and_marks_the_account(creator, google):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    google.revoke_all()  # the creator removed FluxNote's access in their Google account
    target = db.session.get(PublishTarget, target_id("youtube"))
    target.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    body = publish(creator["client"], creator["headers"], render.id, target.id).get_json()
    work("default")
    done = read(creator, body["id"])
    assert done["status"] == "failed" and done["error"].startswith("consent_expired: ")
    listed = creator["client"].get("/api/v1/publish-targets", headers=creator["headers"]).get_json()
    assert listed[0]["status"] == "expired"
    again = publish(creator["client"], creator["headers"], render.id, target.id)
    assert again.status_code == 422 and again.get_json()["error"]["field"] == "target_id"
    assert google.videos == []


def test_an_expiring_token_is_refreshed_before_the_upload(creator, google):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    target = db.session.get(PublishTarget, target_id("youtube"))
    old = google.grants[0].access
    target.expires_at = utcnow() + timedelta(minutes=2)
    db.session.commit()
    body = publish(creator["client"], creator["headers"], render.id, target.id).get_json()
    work("default")
    assert read(creator, body["id"])["status"] == "published"
    assert google.grants[0].access != old
    db.session.refresh(target)
    assert target.expires_at > utcnow() + timedelta(minutes=30)


def test_a_transient_error_is_retried_after_a_back_off(creator, google):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    google.fail_next = [503]
    body = publish(
        creator["client"], creator["headers"], render.id, target_id("youtube")
    ).get_json()
    work("default")
    waiting = read(creator, body["id"])
    assert waiting["status"] == "queued" and "503" in waiting["error"]
    assert sweeper.sweep()["requeued"] == 0  # not before its back-off ends
    from fluxnote.publishing.jobs import publish as publish_job

    publish_job(body["id"])  # a stray early job does not jump the back-off either
    assert read(creator, body["id"])["status"] == "queued" and not google.videos
    db.session.execute(  # the back-off has passed
        Publication.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert sweeper.sweep(utcnow() + timedelta(minutes=2))["requeued"] == 1
    work("default")
    done = read(creator, body["id"])
    assert done["status"] == "published" and "error" not in done
    assert len(google.videos) == 1


def test_tiktok_posts_in_chunks_resumes_a_cut_chunk_and_polls_the_status(
    creator, tiktok, events_sent
):
    connect(creator["client"], "tiktok")
    render, data = finished_render(creator["user"])
    tiktok.drop_after = 50_000
    body = publish(
        creator["client"], creator["headers"], render.id, target_id("tiktok"), privacy="private"
    ).get_json()
    work("default")
    done = read(creator, body["id"])
    assert done["status"] == "published", done
    (post_id,) = tiktok.published
    assert done["url"] == f"https://www.tiktok.com/@owlfacts/video/{post_id}"
    (session,) = tiktok.sessions.values()
    assert (
        bytes(session.data) == data
        and session.metadata["post_info"]["privacy_level"] == "SELF_ONLY"
    )
    assert tiktok.status_polls >= 2
    assert [e for e, _ in events_sent] == ["publication.succeeded"]


def test_tiktok_refuses_a_privacy_the_account_cannot_use(creator, tiktok):
    connect(creator["client"], "tiktok")
    tiktok.privacy_options = ["SELF_ONLY"]  # an unaudited app
    render, _ = finished_render(creator["user"])
    body = publish(creator["client"], creator["headers"], render.id, target_id("tiktok")).get_json()
    work("default")
    done = read(creator, body["id"])
    assert done["status"] == "failed" and done["error"].startswith("policy: ")
    assert tiktok.sessions == {}


def test_a_scheduled_publication_waits_for_the_clock(creator, google):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    when = (utcnow() + timedelta(hours=2)).isoformat()
    body = publish(
        creator["client"], creator["headers"], render.id, target_id("youtube"), publish_at=when
    ).get_json()
    assert body["status"] == "scheduled" and body["publish_at"].startswith(when[:16])
    assert queued("default") == 0
    assert sweeper.sweep()["started"] == 0
    assert sweeper.sweep(utcnow() + timedelta(hours=3))["started"] == 1
    work("default")
    assert read(creator, body["id"])["status"] == "published"


def test_an_idempotency_key_returns_the_same_publication(creator, google):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    headers = {**creator["headers"], "Idempotency-Key": "post-owls-1"}
    first = publish(creator["client"], headers, render.id, target_id("youtube"))
    second = publish(creator["client"], headers, render.id, target_id("youtube"))
    assert first.get_json()["id"] == second.get_json()["id"]
    other = publish(creator["client"], headers, render.id, target_id("youtube"), title="Other")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "idempotency_conflict"
    work("default")
    assert len(google.videos) == 1


def test_bad_requests_are_refused_and_change_nothing(creator, google, client):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    tid, headers = target_id("youtube"), creator["headers"]
    cases = [
        ({"title": ""}, 422, "title"),
        ({"privacy": "friends"}, 422, "privacy"),
        ({"publish_at": "tomorrow"}, 422, "publish_at"),
        ({"publish_at": "2030-01-01T10:00:00"}, 422, "publish_at"),
        ({"colour": "red"}, 422, "colour"),
    ]
    for extra, status, field in cases:
        answer = publish(creator["client"], headers, render.id, tid, **extra)
        assert answer.status_code == status and answer.get_json()["error"]["field"] == field, extra
    unknown = publish(creator["client"], headers, render.id, 999)
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "target_id"
    stranger = auth(make_token(make_user()))
    assert publish(client, stranger, render.id, tid).status_code == 404
    render.status = "running"
    db.session.commit()
    assert publish(creator["client"], headers, render.id, tid).status_code == 409
    assert db.session.query(Publication).count() == 0


def test_another_workspaces_publication_is_not_found(creator, google, client):
    connect(creator["client"], "youtube")
    render, _ = finished_render(creator["user"])
    body = publish(
        creator["client"], creator["headers"], render.id, target_id("youtube")
    ).get_json()
    stranger = auth(make_token(make_user()))
    answer = client.get(f"/api/v1/publications/{body['id']}", headers=stranger)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_publishing(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/renders/{render_id}/publish"]
    assert "get" in paths["/api/v1/publications/{publication_id}"]
    assert "get" in paths["/api/v1/publish-targets"]
