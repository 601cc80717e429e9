"""segment renders: render quality, stage, frozen spec and segment counts; render pieces

Revision ID: render01
Revises: reach01
Create Date: 2026-12-02 01:20:00

"""

import sqlalchemy as sa
from alembic import op


revision = "render01"
down_revision = "reach01"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quality", sa.String(length=8), nullable=False, server_default="final")
        )
        batch_op.add_column(sa.Column("stage", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("spec", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("segments_total", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("segments_reused", sa.Integer(), nullable=True))
    op.create_table(
        "render_pieces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("render_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("first_frame", sa.Integer(), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["render_id"],
            ["renders.id"],
            name=op.f("fk_render_pieces_render_id_renders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_render_pieces")),
        sa.UniqueConstraint("job_id", name=op.f("uq_render_pieces_job_id")),
    )
    with op.batch_alter_table("render_pieces", schema=None) as batch_op:
        batch_op.create_index("ix_render_pieces_key", ["key"], unique=False)
        batch_op.create_index("ix_render_pieces_render", ["render_id"], unique=False)
        batch_op.create_index("ix_render_pieces_status", ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("render_pieces", schema=None) as batch_op:
        batch_op.drop_index("ix_render_pieces_status")
        batch_op.drop_index("ix_render_pieces_render")
        batch_op.drop_index("ix_render_pieces_key")
    op.drop_table("render_pieces")
    with op.batch_alter_table("renders", schema=None) as batch_op:
        batch_op.drop_column("segments_reused")
        batch_op.drop_column("segments_total")
        batch_op.drop_column("spec")
        batch_op.drop_column("stage")
        batch_op.drop_column("quality")
