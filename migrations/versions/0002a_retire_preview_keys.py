"""Retire the dashboard preview's hidden public keys.

The live preview now signs a short-lived token bound to the owner's session, so the
hidden keys it used to create are revoked, and the conversations they started are
kept with no key (how preview conversations are marked now).

Revision ID: 0002a
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002a"
down_revision = "0002f"
branch_labels = None
depends_on = None

PREVIEW_KEY_NAME = "__dashboard_preview__"


def upgrade() -> None:
    """Detach preview conversations from their keys, then revoke the keys."""
    keys = sa.table(
        "api_keys",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("revoked_at", sa.DateTime),
    )
    conversations = sa.table("conversations", sa.column("key_id", sa.Integer))
    preview_ids = sa.select(keys.c.id).where(keys.c.name == PREVIEW_KEY_NAME)
    op.execute(
        conversations.update().where(conversations.c.key_id.in_(preview_ids)).values(key_id=None)
    )
    op.execute(
        keys.update()
        .where(keys.c.name == PREVIEW_KEY_NAME, keys.c.revoked_at.is_(None))
        .values(revoked_at=sa.func.current_timestamp())
    )


def downgrade() -> None:
    """Nothing to undo: revoked keys stay revoked."""
