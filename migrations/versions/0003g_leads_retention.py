"""leads and hand-offs; per-bot conversation retention; site sources and their pages

Revision ID: 0003g
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003g"
down_revision = "0002c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("bots", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_leads_bot_created", "leads", ["bot_id", "created_at"])
    op.create_index("ix_leads_conversation_id", "leads", ["conversation_id"])
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("pages_found", sa.Integer(), nullable=False),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sources_bot_id", "sources", ["bot_id"])
    op.create_table(
        "source_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("etag", sa.String(length=300), nullable=False),
        sa.Column("last_modified", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "url"),
    )
    op.create_index("ix_source_pages_document_id", "source_pages", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_source_pages_document_id", table_name="source_pages")
    op.drop_table("source_pages")
    op.drop_index("ix_sources_bot_id", table_name="sources")
    op.drop_table("sources")
    op.drop_index("ix_leads_conversation_id", table_name="leads")
    op.drop_index("ix_leads_bot_created", table_name="leads")
    op.drop_table("leads")
    op.drop_column("bots", "retention_days")
