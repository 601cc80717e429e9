"""Connecting accounts: the OAuth round trip, fresh access tokens, disconnecting.

The flow's state (a random `state`, the PKCE verifier, the platform and workspace) lives
in the signed session cookie between the redirect to the platform and its callback. An
access token is refreshed when it has less than REFRESH_MARGIN left; a refresh the
platform refuses (consent revoked or expired) marks the target "expired".
"""

import base64
import contextlib
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.publishing.crypto import open_token, seal
from fluxnote.publishing.models import PublishTarget
from fluxnote.publishing.platforms import PLATFORMS
from fluxnote.publishing.platforms.base import Platform, PublishError, Tokens
from fluxnote.sqltypes import utcnow

REFRESH_MARGIN = timedelta(minutes=5)


class ConnectError(Exception):
    """The connect flow cannot go on; the message is safe to show."""


def platform(name: str) -> Platform:
    """The platform, or ConnectError for an unknown or unconfigured one."""
    found = PLATFORMS.get(name)
    if found is None:
        raise ConnectError("Unknown platform.")
    if not found.configured():
        raise ConnectError(
            f"{found.label} is not configured on this server (client id and secret)."
        )
    return found


def begin(name: str, redirect_uri: str) -> tuple[str, dict]:
    """The platform's authorize URL and the flow state to keep until the callback."""
    chosen = platform(name)
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    url = chosen.authorize_url(redirect_uri, state, challenge.decode())
    return url, {"platform": name, "state": state, "verifier": verifier}


def finish(
    workspace_id: int, user_id: int | None, flow: dict | None, args: dict, redirect_uri: str
) -> PublishTarget:
    """Check the callback against the kept flow, trade the code for tokens, name the
    account and save it (reconnecting an account updates its row); commits.
    Raises ConnectError (denied, forged or stale callback) or PublishError."""
    if not flow or not secrets.compare_digest(str(args.get("state", "")), flow["state"]):
        raise ConnectError("This sign-in link is stale or was not started here; connect again.")
    if args.get("error") or not args.get("code"):
        raise ConnectError(f"Access was not granted ({args.get('error') or 'no code'}).")
    chosen = platform(flow["platform"])
    tokens = chosen.exchange(args["code"], flow["verifier"], redirect_uri)
    account = chosen.account(tokens.access_token)
    target = db.session.scalar(
        select(PublishTarget).where(
            PublishTarget.workspace_id == workspace_id,
            PublishTarget.platform == chosen.name,
            PublishTarget.account_id == account.id,
        )
    ) or PublishTarget(workspace_id=workspace_id, platform=chosen.name, account_id=account.id)
    target.account_name, target.account_handle = account.name[:200], account.handle
    target.connected_by_id, target.status = user_id, "connected"
    _store(target, tokens)
    db.session.add(target)
    db.session.commit()
    return target


def _store(target: PublishTarget, tokens: Tokens) -> None:
    target.access_token = seal(tokens.access_token)
    if tokens.refresh_token:
        target.refresh_token = seal(tokens.refresh_token)
    target.expires_at = (
        utcnow() + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None
    )
    target.scope = (tokens.scope or target.scope or "")[:500]


def list_targets(workspace_id: int) -> list[PublishTarget]:
    return list(
        db.session.scalars(
            select(PublishTarget)
            .where(PublishTarget.workspace_id == workspace_id, PublishTarget.status != "revoked")
            .order_by(PublishTarget.id)
        )
    )


def get_target(workspace_id: int, target_id: int) -> PublishTarget | None:
    target = db.session.get(PublishTarget, target_id) if 0 < target_id < 2**31 else None
    return target if target and target.workspace_id == workspace_id else None


def access_token(target: PublishTarget, force: bool = False) -> str:
    """A usable access token, refreshed first when it expires within REFRESH_MARGIN (or
    `force`); commits a refresh. PublishError("consent_expired") when it cannot be."""
    if target.status != "connected":
        raise PublishError(
            "consent_expired",
            f"The {target.platform} account is {target.status}: reconnect it in Settings.",
        )
    soon = target.expires_at is not None and target.expires_at - REFRESH_MARGIN <= utcnow()
    if not (force or soon):
        return open_token(target.access_token)
    refresh = open_token(target.refresh_token)
    if not refresh:
        return _expire(
            target,
            PublishError("consent_expired", "No refresh token: reconnect the account in Settings."),
        )
    try:
        tokens = PLATFORMS[target.platform].refresh(refresh)
    except PublishError as exc:
        if exc.code == "consent_expired":
            return _expire(target, exc)
        raise
    _store(target, tokens)
    db.session.commit()
    return tokens.access_token


def _expire(target: PublishTarget, exc: PublishError) -> str:
    target.status = "expired"
    db.session.commit()
    raise exc


def disconnect(workspace_id: int, target_id: int) -> bool:
    """Revoke the grant at the platform (best effort: it may already be gone), forget
    the tokens (flushed; the caller commits). False if the target is not the workspace's."""
    target = get_target(workspace_id, target_id)
    if target is None or target.status == "revoked":
        return False
    token = open_token(target.refresh_token) or open_token(target.access_token)
    if token:  # an unreachable platform does not keep the grant here
        with contextlib.suppress(PublishError):
            PLATFORMS[target.platform].revoke(token)
    target.status, target.access_token, target.refresh_token = "revoked", None, None
    db.session.flush()
    return True
