"""users.session_version: a per-user session generation checked on every load

Revision ID: hard01
Revises: stock02
Create Date: 2026-12-02 01:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = "hard01"
down_revision = "stock02"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
