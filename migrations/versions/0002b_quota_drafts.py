"""daily quotas in the database, answers in flight, cheaper chunk updates on SQLite

Revision ID: 0002b
Revises: 0001
Create Date: 2026-12-01 03:30:00

"""

import sqlalchemy as sa
from alembic import op

from models import SQLITE_SEARCH_DDL

revision = "0002b"
down_revision = "0002a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "key_quota_daily",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", "day"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("pending_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pending_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_conversations_pending_at", ["pending_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Re-create the update trigger so that only indexed columns fire it.
        op.execute("DROP TRIGGER IF EXISTS chunks_au")
        for statement in SQLITE_SEARCH_DDL:
            if "chunks_au" in statement:
                op.execute(statement)


def downgrade():
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_pending_at")
        batch_op.drop_column("pending_at")
        batch_op.drop_column("pending_text")
        batch_op.drop_column("pending_id")
    op.drop_table("key_quota_daily")
