"""PostgreSQL full text: a short pending list for the search table's GIN index

Revision ID: 0006s
Revises: 0005p

New entries of a GIN index wait in an unsorted pending list, which every search reads
whole, until the list passes gin_pending_list_limit (4 MB by default) or a vacuum
empties it. The search table's index now flushes it at 256 kB, and this migration
empties the list once. SQLite's FTS5 table has no such list: nothing changes there.
"""

from alembic import op

from tables.search import GIN_PENDING_KB

revision = "0006s"
down_revision = "0005p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER INDEX IF EXISTS ix_chunk_search_tsv "
        f"SET (gin_pending_list_limit = {GIN_PENDING_KB})"
    )
    op.execute(
        "SELECT gin_clean_pending_list(to_regclass('ix_chunk_search_tsv')) "
        "WHERE to_regclass('ix_chunk_search_tsv') IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER INDEX IF EXISTS ix_chunk_search_tsv RESET (gin_pending_list_limit)")
