"""Accounts: sign-up, authentication, workspaces, invitations, API tokens.

Services flush; the caller (a request, a CLI command) commits. Failures raise
AccountError with a user-facing message and leave nothing written. `touch_token` alone
commits: it is a transaction of its own, after the request's.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from fluxnote.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from fluxnote.credits import services as credits
from fluxnote.extensions import db, savepoint
from fluxnote.plans import KINDS, get_plan
from fluxnote.sqltypes import utcnow


class AccountError(Exception):
    """A refused account operation; the message is safe to show."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(email: str, password: str, plan: str = "free", admin: bool = False) -> User:
    """Create a user with a personal workspace on `plan`. AccountError if the email is taken."""
    email = email.strip().lower()
    get_plan(plan)
    if db.session.scalar(select(User).where(User.email == email)):
        raise AccountError("An account with this email already exists.")
    user = User(email=email, password_hash=generate_password_hash(password), is_admin=admin)
    try:
        with savepoint():
            db.session.add(user)
            db.session.flush()
            workspace = _new_workspace(user, f"{email.split('@')[0]}'s workspace", plan)
            user.current_workspace_id = workspace.id
            db.session.flush()
    except IntegrityError:  # taken by a concurrent sign-up
        raise AccountError("An account with this email already exists.") from None
    return user


def _new_workspace(owner: User, name: str, plan: str) -> Workspace:
    now = utcnow()
    workspace = Workspace(
        name=name, plan=plan, billing_day=now.day, owner_id=owner.id, created_at=now
    )
    db.session.add(workspace)
    db.session.flush()
    db.session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role="owner"))
    credits.open_account(workspace.id, owner.id, now)
    return workspace


def credit_terms(workspace_id: int) -> credits.Terms:
    """The ledger's view of a workspace: its billing day, its plan's allowances and, when
    a plan change is scheduled for the next cycle, that plan's."""
    workspace = db.session.get(Workspace, workspace_id, populate_existing=True)
    plan = get_plan(workspace.plan)
    pending = get_plan(workspace.pending_plan) if workspace.pending_plan else None
    return credits.Terms(
        workspace.billing_day,
        {kind: plan.allowance(kind) for kind in KINDS},
        {kind: pending.allowance(kind) for kind in KINDS} if pending else None,
    )


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None: the same answer, and one hash check of
    the same cost, for an unknown email and for a wrong password."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    matches = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    return user if user and matches else None


_DUMMY_HASH = generate_password_hash("not-a-password")


def sign_up(email: str, password: str) -> User | None:
    """Create the account, or do nothing for a taken email (None) at the same cost: the
    caller answers both alike, so sign-up tells nobody which emails have accounts."""
    if db.session.scalar(select(User.id).where(User.email == email.strip().lower())):
        generate_password_hash(password)  # the hash create_user would have made
        return None
    try:
        return create_user(email, password)
    except AccountError:  # taken meanwhile by a concurrent sign-up
        return None


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of `user` (they carry the old
    session_version, which the loader refuses). Flushes; the caller commits."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)


def log_out(user: User) -> None:
    """End every session of `user` (logging out ends all of them)."""
    end_sessions(user)


def load_session_user(session_id: str) -> User | None:
    """The user behind a session id "<user id>.<session_version>", or None when it is
    malformed or from before the user's sessions were last ended."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdecimal() and version.isdecimal()) or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    return user if user and str(user.session_version) == version else None


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and end every other session. AccountError if the
    current password is wrong or the new one is shorter than 8 characters."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("The current password is wrong.")
    if not 8 <= len(new) <= 200:
        raise AccountError("Use at least 8 characters (at most 200).")
    user.password_hash = generate_password_hash(new)
    end_sessions(user)


def membership(user_id: int, workspace_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user_id, Membership.workspace_id == workspace_id
        )
    )


def workspaces_of(user: User) -> list[Workspace]:
    return [m.workspace for m in sorted(user.memberships, key=lambda m: m.workspace_id)]


def switch_workspace(user: User, workspace_id: int) -> None:
    """Make `workspace_id` the user's current workspace. AccountError if not a member."""
    if not membership(user.id, workspace_id):
        raise AccountError("Workspace not found.")
    user.current_workspace_id = workspace_id
    db.session.flush()


def remove_member(workspace: Workspace, actor: User, user_id: int) -> User:
    """Take `user_id` out of the workspace: the owner removes a member, or a member leaves.

    Their past usage stays in the ledger; their tokens for this workspace are revoked
    (and stay revoked if they are invited again); a removed member's sessions end.
    AccountError if the actor may not, or if it is the owner (who cannot leave).
    """
    target = membership(user_id, workspace.id)
    if target is None or not membership(actor.id, workspace.id):
        raise AccountError("Member not found.")
    if target.role == "owner":
        raise AccountError("The owner cannot leave their own workspace.")
    if actor.id not in (user_id, workspace.owner_id):
        raise AccountError("Only the workspace owner can remove members.")
    user = target.user
    db.session.delete(target)
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.workspace_id == workspace.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if actor.id != user.id:
        end_sessions(user)
    if user.current_workspace_id == workspace.id:
        personal = db.session.scalar(select(Workspace.id).where(Workspace.owner_id == user.id))
        user.current_workspace_id = personal
    db.session.flush()
    return user


def invite(workspace: Workspace, inviter: User, email: str) -> str:
    """Invite `email` into the workspace; returns the one-time token for the link.

    Only the owner may invite. AccountError if not owner or already a member.
    """
    email = email.strip().lower()
    if workspace.owner_id != inviter.id:
        raise AccountError("Only the workspace owner can invite members.")
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing and membership(existing.id, workspace.id):
        raise AccountError(f"{email} is already a member.")
    token = secrets.token_urlsafe(24)
    db.session.add(
        Invitation(
            workspace_id=workspace.id,
            email=email,
            token_hash=hash_token(token),
            invited_by_id=inviter.id,
        )
    )
    db.session.flush()
    return token


INVITATION_LIFETIME = timedelta(days=7)


def open_invitation(user: User, token: str) -> Invitation:
    """The pending invitation behind `token` for this user. AccountError if it is unknown,
    used, older than a week, or addressed to another email."""
    inv = _pending_invitation(token)
    if inv.email != user.email:
        raise AccountError(
            f"This invitation was sent to {inv.email}; log in with that email to accept it."
        )
    return inv


def _pending_invitation(token: str) -> Invitation:
    inv = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if not inv or inv.accepted_at:
        raise AccountError("This invitation is invalid or has already been used.")
    if inv.created_at < utcnow() - INVITATION_LIFETIME:
        raise AccountError("This invitation has expired; ask the owner for a new link.")
    return inv


def is_invited(email: str, token: str) -> bool:
    """Whether `token` is a pending invitation addressed to `email` (invite-only sign-up)."""
    try:
        return _pending_invitation(token).email == email.strip().lower()
    except AccountError:
        return False


def accept_invitation(user: User, token: str) -> Workspace:
    """Join the invitation's workspace and switch to it. AccountError as `open_invitation`.

    The invitation is consumed with a conditional write, so a double submit joins once.
    """
    inv = open_invitation(user, token)
    consumed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == inv.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
    ).rowcount
    if consumed != 1:
        raise AccountError("This invitation is invalid or has already been used.")
    if not membership(user.id, inv.workspace_id):
        db.session.add(Membership(workspace_id=inv.workspace_id, user_id=user.id, role="member"))
    user.current_workspace_id = inv.workspace_id
    db.session.flush()
    return inv.workspace


def create_token(user: User, name: str, workspace_id: int | None = None) -> str:
    """A new API token for the user's current (or given) workspace; only its hash is kept."""
    workspace_id = workspace_id or user.current_workspace_id
    if not membership(user.id, workspace_id):
        raise AccountError("Workspace not found.")
    name = (name or "").strip()[:80] or "API token"
    token = "fn_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user_id=user.id,
            workspace_id=workspace_id,
            name=name,
            token_hash=hash_token(token),
            prefix=token[:10],
        )
    )
    db.session.flush()
    return token


def live_tokens(user: User) -> list[ApiToken]:
    """The user's unrevoked tokens in workspaces they still belong to, oldest first."""
    return db.session.scalars(
        select(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            ApiToken.workspace_id.in_(
                select(Membership.workspace_id).where(Membership.user_id == user.id)
            ),
        )
        .order_by(ApiToken.id)
    ).all()


def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's tokens. AccountError if it is not theirs."""
    token = db.session.get(ApiToken, token_id)
    if not token or token.user_id != user.id:
        raise AccountError("Token not found.")
    token.revoked_at = token.revoked_at or utcnow()
    db.session.flush()


def user_for_token(token: str) -> ApiToken | None:
    """The live ApiToken for a bearer string whose user is still a member, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if not row or row.revoked_at or not membership(row.user_id, row.workspace_id):
        return None
    return row


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_use_due(token: ApiToken, now: datetime | None = None) -> bool:
    """Whether the token's last-use stamp is old enough to be written again (read from
    the row already loaded, so a request within the minute writes nothing)."""
    last = token.last_used_at
    return last is None or last < (now or utcnow()) - TOKEN_USE_RESOLUTION


def touch_token(token_id: int, now: datetime | None = None) -> None:
    """Stamp a token's last use, at most once a minute, in a transaction of its own (call
    it after the request's use case): one conditional UPDATE, so concurrent requests
    never write it twice."""
    now = now or utcnow()
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - TOKEN_USE_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
    )
    db.session.commit()
