"""indexes for reads at scale: conversations by bot, newest first with id; usage by bot and day

Revision ID: 0004r
Revises: 0003g
"""

from alembic import op

revision = "0004r"
down_revision = "0003g"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_bot_last_id", "conversations", ["bot_id", "last_at", "id"])
    op.drop_index("ix_conversations_bot_last", table_name="conversations")
    op.create_index("ix_usage_daily_bot_day", "usage_daily", ["bot_id", "day"])
    op.drop_index("ix_usage_daily_bot_id", table_name="usage_daily")


def downgrade() -> None:
    op.create_index("ix_usage_daily_bot_id", "usage_daily", ["bot_id"])
    op.drop_index("ix_usage_daily_bot_day", table_name="usage_daily")
    op.create_index("ix_conversations_bot_last", "conversations", ["bot_id", "last_at"])
    op.drop_index("ix_conversations_bot_last_id", table_name="conversations")
