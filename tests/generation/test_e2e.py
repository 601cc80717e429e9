"""Free plan end to end through the API on the real offline engine and a real worker,
and the never-overspend rule under concurrent submits (SQLite and PostgreSQL)."""

from concurrent.futures import ThreadPoolExecutor

from PIL import Image
from sqlalchemy import func, select

from fluxnote.assets.models import Asset
from fluxnote.assets.services import local_path
from fluxnote.credits.services import ledger_sum
from fluxnote.extensions import db
from fluxnote.generation.models import Generation
from tests.conftest import auth, make_token, make_user
from tests.generation.conftest import credits, submit, work


def test_free_plan_100_images_succeed_and_the_101st_is_402(app, client):
    user = make_user()
    token = make_token(user)
    ids = [submit(client, token, prompt=f"topic {i}", aspect="1:1")["id"] for i in range(100)]
    error = submit(client, token, expect=402, prompt="one too many")["error"]
    assert (error["kind"], error["remaining"]) == ("image", 0)
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 0,
        "reserved": 100,
        "remaining": 0,
    }
    work()
    statuses = db.session.execute(
        select(Generation.status, func.count()).group_by(Generation.status)
    ).all()
    assert statuses == [("succeeded", 100)]
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 100,
        "reserved": 0,
        "remaining": 0,
    }
    assert ledger_sum(user.current_workspace_id, "image") == 0
    first = db.session.get(Asset, db.session.get(Generation, ids[0]).asset_id)
    last = db.session.get(Asset, db.session.get(Generation, ids[-1]).asset_id)
    assert first.engine == "FluxNote Offline Image" and (first.width, first.height) == (1080, 1080)
    with Image.open(local_path(first)) as a, Image.open(local_path(last)) as b:
        assert a.size == (1080, 1080) and a.tobytes() != b.tobytes()  # distinct prompts differ


def _race(app, token, n=20):
    def one(_):
        return (
            app.test_client()
            .post(
                "/api/v1/generations",
                headers=auth(token),
                json={"kind": "video", "model": "offline-video", "prompt": "a storm"},
            )
            .status_code
        )

    with ThreadPoolExecutor(max_workers=n) as pool:
        return sorted(pool.map(one, range(n)))


def _assert_one_accepted(client, app, codes, user, token):
    assert codes == [202] + [402] * 19
    assert credits(client, token)["video"] == {
        "allowance": 1,
        "used": 0,
        "reserved": 1,
        "remaining": 0,
    }
    assert ledger_sum(user.current_workspace_id, "video") == 0
    assert db.session.scalar(select(func.count()).select_from(Generation)) == 1


def test_20_concurrent_video_submits_with_one_credit_sqlite(app, client):
    user = make_user()
    token = make_token(user)
    _assert_one_accepted(client, app, _race(app, token), user, token)


def test_20_concurrent_video_submits_with_one_credit_postgres(pg_app):
    user = make_user()
    token = make_token(user)
    client = pg_app.test_client()
    _assert_one_accepted(client, pg_app, _race(pg_app, token), user, token)
