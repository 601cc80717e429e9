"""publications: one idempotency key per publication (the request's, else random),
unique per workspace, replacing a separate request key

Revision ID: reach02
Revises: hard01
Create Date: 2026-12-02 01:55:00

"""

from alembic import op
import sqlalchemy as sa


revision = "reach02"
down_revision = "hard01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_constraint("uq_publications_workspace_id", type_="unique")
        batch_op.drop_constraint("uq_publications_idempotency_key", type_="unique")
        batch_op.drop_column("request_key")
        batch_op.alter_column(
            "idempotency_key",
            existing_type=sa.String(length=64),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
        batch_op.create_unique_constraint(
            "uq_publications_workspace_id", ["workspace_id", "idempotency_key"]
        )


def downgrade():
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_constraint("uq_publications_workspace_id", type_="unique")
        batch_op.alter_column(
            "idempotency_key",
            existing_type=sa.String(length=200),
            type_=sa.String(length=64),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column("request_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint("uq_publications_idempotency_key", ["idempotency_key"])
        batch_op.create_unique_constraint(
            "uq_publications_workspace_id", ["workspace_id", "request_key"]
        )
