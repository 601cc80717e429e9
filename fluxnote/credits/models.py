"""Ledger entries (append-only), holds, and the balance projection per workspace and kind.

Projection invariants, kept by CHECK constraints and by services.py:
  remaining = sum(ledger_entries.delta)                  (for the workspace and kind)
  allowance - remaining = holds of the current cycle that are held or captured
The in-flight and used counts are derived from the holds (services.balances), so a
capture never writes the balance row.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow


class CreditBalance(db.Model):
    __tablename__ = "credit_balances"
    __table_args__ = (
        CheckConstraint("remaining >= 0", name="remaining_nonnegative"),
        CheckConstraint("remaining <= allowance", name="remaining_within_allowance"),
    )
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    cycle_start: Mapped[datetime] = mapped_column(UTCDateTime)
    cycle_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    allowance: Mapped[int] = mapped_column()
    remaining: Mapped[int] = mapped_column()


class CreditHold(db.Model):
    """One reserved credit for one generated asset; resolved at most once."""

    __tablename__ = "credit_holds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "ref"),
        Index("ix_credit_holds_workspace_id_state", "workspace_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    kind: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(10), default="held")
    cycle_start: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerEntry(db.Model):
    """An append-only credit movement. `delta` is the change to `remaining`."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    entry_type: Mapped[str] = mapped_column(String(20))
    delta: Mapped[int] = mapped_column()
    cycle_start: Mapped[datetime] = mapped_column(UTCDateTime)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("credit_holds.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# The database itself refuses to change or delete an entry (created with the table, by
# create_all and by the migration), whatever the client; the ORM hook below says why early.
APPEND_ONLY_SQL = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger
           LANGUAGE plpgsql AS $$ BEGIN
             RAISE EXCEPTION 'ledger entries are append-only' USING ERRCODE = 'integrity_constraint_violation';
           END $$""",
        """CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
           FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()""",
        """CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
           FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER ledger_entries_no_{verb} BEFORE {verb.upper()} ON ledger_entries
            BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END"""
        for verb in ("update", "delete")
    ],
}


def create_append_only_triggers(connection) -> None:
    for sql in APPEND_ONLY_SQL.get(connection.dialect.name, []):
        connection.exec_driver_sql(sql)


event.listen(
    LedgerEntry.__table__,
    "after_create",
    lambda _table, connection, **_kw: create_append_only_triggers(connection),
)


class AppendOnlyError(Exception):
    """A ledger entry was changed or deleted through the ORM; entries are never rewritten."""


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
def _refuse_rewrite(_mapper, _connection, entry: LedgerEntry) -> None:
    raise AppendOnlyError(f"Ledger entry {entry.idempotency_key} is append-only")
