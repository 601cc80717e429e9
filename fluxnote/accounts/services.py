"""Accounts: sign-up, authentication, workspaces, invitations, API tokens.

Each function owns its commit. Failures raise AccountError with a user-facing message
and leave nothing written.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from fluxnote.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from fluxnote.billing.plans import get_plan
from fluxnote.credits import services as credits
from fluxnote.extensions import db
from fluxnote.models import utcnow


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
    db.session.add(user)
    try:
        db.session.flush()
        workspace = _new_workspace(user, f"{email.split('@')[0]}'s workspace", plan)
        user.current_workspace_id = workspace.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError("An account with this email already exists.")
    return user


def _new_workspace(owner: User, name: str, plan: str) -> Workspace:
    now = utcnow()
    workspace = Workspace(name=name, plan=plan, billing_day=now.day, owner_id=owner.id,
                          created_at=now)
    db.session.add(workspace)
    db.session.flush()
    db.session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role="owner"))
    credits.open_account(workspace, owner.id, now)
    return workspace


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None (same answer for unknown email and bad password)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user and check_password_hash(user.password_hash, password):
        return user
    check_password_hash(_DUMMY_HASH, password)
    return None


_DUMMY_HASH = generate_password_hash("not-a-password")


def membership(user_id: int, workspace_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(
        Membership.user_id == user_id, Membership.workspace_id == workspace_id))


def workspaces_of(user: User) -> list[Workspace]:
    return [m.workspace for m in sorted(user.memberships, key=lambda m: m.workspace_id)]


def switch_workspace(user: User, workspace_id: int) -> None:
    """Make `workspace_id` the user's current workspace. AccountError if not a member."""
    if not membership(user.id, workspace_id):
        raise AccountError("Workspace not found.")
    user.current_workspace_id = workspace_id
    db.session.commit()


def remove_member(workspace: Workspace, actor: User, user_id: int) -> User:
    """Take `user_id` out of the workspace: the owner removes a member, or a member leaves.

    Their past usage stays in the ledger; their tokens for this workspace stop working.
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
    if user.current_workspace_id == workspace.id:
        personal = db.session.scalar(select(Workspace.id).where(Workspace.owner_id == user.id))
        user.current_workspace_id = personal
    db.session.commit()
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
    db.session.add(Invitation(workspace_id=workspace.id, email=email,
                              token_hash=hash_token(token), invited_by_id=inviter.id))
    db.session.commit()
    return token


INVITATION_LIFETIME = timedelta(days=7)


def open_invitation(user: User, token: str) -> Invitation:
    """The pending invitation behind `token` for this user. AccountError if it is unknown,
    used, older than a week, or addressed to another email."""
    inv = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if not inv or inv.accepted_at:
        raise AccountError("This invitation is invalid or has already been used.")
    if inv.created_at < utcnow() - INVITATION_LIFETIME:
        raise AccountError("This invitation has expired; ask the owner for a new link.")
    if inv.email != user.email:
        raise AccountError(f"This invitation was sent to {inv.email}; log in with that email to accept it.")
    return inv


def accept_invitation(user: User, token: str) -> Workspace:
    """Join the invitation's workspace and switch to it. AccountError as `open_invitation`.

    The invitation is consumed with a conditional write, so a double submit joins once.
    """
    inv = open_invitation(user, token)
    consumed = db.session.execute(
        update(Invitation).where(Invitation.id == inv.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())).rowcount
    if consumed != 1:
        db.session.rollback()
        raise AccountError("This invitation is invalid or has already been used.")
    if not membership(user.id, inv.workspace_id):
        db.session.add(Membership(workspace_id=inv.workspace_id, user_id=user.id, role="member"))
    user.current_workspace_id = inv.workspace_id
    db.session.commit()
    return inv.workspace


def create_token(user: User, name: str, workspace_id: int | None = None) -> str:
    """A new API token for the user's current (or given) workspace; only its hash is kept."""
    workspace_id = workspace_id or user.current_workspace_id
    if not membership(user.id, workspace_id):
        raise AccountError("Workspace not found.")
    name = (name or "").strip()[:80] or "API token"
    token = "fn_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, workspace_id=workspace_id, name=name,
                            token_hash=hash_token(token), prefix=token[:10]))
    db.session.commit()
    return token


def live_tokens(user: User) -> list[ApiToken]:
    """The user's unrevoked tokens in workspaces they still belong to, oldest first."""
    return db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        ApiToken.workspace_id.in_(select(Membership.workspace_id)
                                  .where(Membership.user_id == user.id)))
        .order_by(ApiToken.id)).all()


def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of the user's tokens. AccountError if it is not theirs."""
    token = db.session.get(ApiToken, token_id)
    if not token or token.user_id != user.id:
        raise AccountError("Token not found.")
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()


def user_for_token(token: str) -> ApiToken | None:
    """The live ApiToken for a bearer string whose user is still a member, or None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if not row or row.revoked_at or not membership(row.user_id, row.workspace_id):
        return None
    return row
