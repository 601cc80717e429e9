"""What a paying billing backend (Stripe) remembers: the subscription and seen events."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow


class BillingAccount(db.Model):
    """A workspace's subscription at the payment provider (absent on the self-hosted backend)."""

    __tablename__ = "billing_accounts"
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class BillingEvent(db.Model):
    """A provider webhook event already processed; a redelivery is acknowledged and ignored."""

    __tablename__ = "billing_events"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
