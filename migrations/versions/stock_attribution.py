"""stock footage: attribution and stock reference on assets, stock options on scenes

Revision ID: stock01
Revises: 671f9afdb1de
Create Date: 2026-12-02 00:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "stock01"
down_revision = "671f9afdb1de"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock_ref", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("attribution", sa.JSON(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_assets_workspace_id"), ["workspace_id", "stock_ref"]
        )
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.drop_column("stock")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_assets_workspace_id"), type_="unique")
        batch_op.drop_column("attribution")
        batch_op.drop_column("stock_ref")
