"""the article a project was made from

Revision ID: stock02
Revises: render01
Create Date: 2026-12-02 01:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "stock02"
down_revision = "render01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_url", sa.String(length=2000), nullable=True))


def downgrade():
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("source_url")
