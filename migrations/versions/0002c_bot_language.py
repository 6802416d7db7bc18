"""bots.language: the language of a bot's documents

Revision ID: 0002c
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002c"
down_revision = "0002e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add bots.language, English for every existing bot."""
    with op.batch_alter_table("bots") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )


def downgrade() -> None:
    """Drop bots.language."""
    with op.batch_alter_table("bots") as batch:
        batch.drop_column("language")
