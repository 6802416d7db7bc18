"""passage vectors: each chunk's vector from the passage model, filled in the background

Revision ID: 0007v
Revises: 0006s

Existing chunks have none: the worker's passage-vector job fills them (and retrieval
ranks as before until a question's candidates all have one).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007v"
down_revision = "0006s"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passage_vectors",
        sa.Column("chunk_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["chunk_id"], ["chunks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chunk_id"),
    )


def downgrade() -> None:
    op.drop_table("passage_vectors")
