"""One resource of every kind that exists, owned by a workspace, made through the API.

`url_values(rule)` fills a URL rule's parameters with those resources' ids. A rule with
a parameter nobody knows about fails loudly: a new route cannot slip past the matrix.
"""

import io
import re
from dataclasses import dataclass, field

from PIL import Image

from tests.conftest import auth, make_token, make_user

# Parameters naming a resource that belongs to one workspace: others must get 404.
ID_PARAMS = (
    "asset_id",
    "generation_id",
    "project_id",
    "render_id",
    "endpoint_id",
    "token_id",
    "workspace_id",
    "scene_id",
    "user_id",
    "target_id",
    "publication_id",
)
# Parameters that are not workspace resources (names, actions, opaque tokens).
FREE_PARAMS = {
    "action": "voice",
    "name": "scenes",
    "token": "not-a-token",
    "job_id": "no-such-job",
    "use": "visual",
    "provider_id": "offline",
    "voice_id": None,
    "filename": "app.css",
    "choice": 0,
    "delivery_id": 1,
    "platform": "youtube",
}  # ops-only: admins act across workspaces


@dataclass
class Owned:
    """A workspace owner with a token and one of each resource, keyed by parameter name."""

    user: object
    token: str
    ids: dict = field(default_factory=dict)
    free: dict = field(default_factory=dict)
    # Destructive routes sharing a resource kind each get their own copy, keyed by endpoint.
    spare: dict = field(default_factory=dict)


def png_bytes(size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def build_owned(app, client) -> Owned:
    """Create the owner and its resources through the public API (skipping kinds not built yet)."""
    user = make_user(plan="pro")
    owned = Owned(user, make_token(user))
    owned.ids["workspace_id"] = user.current_workspace_id
    owned.ids["token_id"] = _spare_token_id(user)
    owned.ids["user_id"] = _teammate_id(user)
    headers = auth(owned.token)
    _try(
        owned,
        "asset_id",
        lambda: client.post(
            "/api/v1/uploads", data={"file": (io.BytesIO(png_bytes()), "a.png")}, headers=headers
        ),
    )
    _try(
        owned,
        "generation_id",
        lambda: client.post(
            "/api/v1/generations",
            headers=headers,
            json={"kind": "image", "model": "offline-image", "prompt": "a red lighthouse at dawn"},
        ),
    )
    for name in ("endpoint_id", "spare_endpoint"):
        _try(
            owned,
            name,
            lambda: client.post(
                "/api/v1/webhook-endpoints",
                headers=headers,
                json={"url": "https://93.184.216.34/hook"},
            ),
        )
    owned.spare["webhooks_settings.delete"] = {"endpoint_id": owned.ids.pop("spare_endpoint", None)}
    templates = client.get("/api/v1/templates", headers=headers)
    if templates.status_code == 200 and templates.json:
        _try(
            owned,
            "project_id",
            lambda: client.post(
                "/api/v1/projects",
                headers=headers,
                json={"topic": "Why the sea is salty", "template": templates.json[0]["id"]},
            ),
        )
    if "project_id" in owned.ids:
        project = client.get(f"/api/v1/projects/{owned.ids['project_id']}", headers=headers).json
        if project.get("scenes"):
            owned.ids["scene_id"] = project["scenes"][0]["id"]
        _try(
            owned,
            "render_id",
            lambda: client.post(
                f"/api/v1/projects/{owned.ids['project_id']}/renders", headers=headers
            ),
        )
    _publishing(owned)
    voices = client.get("/api/v1/voices", headers=headers)
    owned.free = dict(
        FREE_PARAMS,
        voice_id=voices.json[0]["id"] if voices.status_code == 200 and voices.json else "x",
    )
    return owned


def _publishing(owned: Owned) -> None:
    """A connected account and a publication. Rows, not the API: connecting needs a
    platform's OAuth consent (tests/publishing drives that against local servers)."""
    from fluxnote.extensions import db
    from fluxnote.publishing.models import Publication, PublishTarget

    workspace_id = owned.user.current_workspace_id
    target = PublishTarget(
        workspace_id=workspace_id, platform="youtube", account_id="UC1", account_name="Mine"
    )
    db.session.add(target)
    db.session.flush()
    owned.ids["target_id"] = target.id
    if "render_id" in owned.ids:
        publication = Publication(
            workspace_id=workspace_id,
            render_id=owned.ids["render_id"],
            target_id=target.id,
            platform="youtube",
            title="A short",
            status="failed",
            idempotency_key="factory",
            job_id="publish-factory",
        )
        db.session.add(publication)
        db.session.flush()
        owned.ids["publication_id"] = publication.id
    db.session.commit()


def _spare_token_id(user) -> int:
    """A second token of the owner, so the revoke route never revokes the one in use."""
    from fluxnote.accounts.models import ApiToken
    from fluxnote.extensions import db

    make_token(user)
    return db.session.scalars(
        db.select(ApiToken.id).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).first()


def _teammate_id(owner) -> int:
    """A second member of the owner's workspace (invited, accepted), then back home."""
    from fluxnote.accounts import services
    from fluxnote.accounts.models import Workspace
    from fluxnote.extensions import db

    mate = make_user()
    token = services.invite(
        db.session.get(Workspace, owner.current_workspace_id), owner, mate.email
    )
    services.accept_invitation(mate, token)
    db.session.commit()
    return mate.id


def _try(owned: Owned, name: str, create) -> None:
    response = create()
    if response.status_code in (200, 201, 202):
        owned.ids[name] = response.json["id"]


def params(rule) -> list[str]:
    return re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule.rule)


def url_values(rule, owned: Owned) -> dict:
    """Values for every parameter of `rule`; AssertionError for an unknown parameter or a
    resource kind this installation could not create."""
    values = {}
    for name in params(rule):
        if owned.spare.get(rule.endpoint, {}).get(name):
            values[name] = owned.spare[rule.endpoint][name]
        elif name in ID_PARAMS:
            assert name in owned.ids, f"{rule.rule}: could not create a resource for <{name}>"
            values[name] = owned.ids[name]
        else:
            assert name in owned.free, (
                f"{rule.rule}: unknown parameter <{name}>; add it to the matrix"
            )
            values[name] = owned.free[name]
    return values
