"""PostgreSQL full text: chunks' tsvectors move to a narrow table, GIN-indexed with the bot

Revision ID: 0005p
Revises: 0004r

On PostgreSQL each chunk's tsvector leaves the chunks row (a generated column) for the
table chunk_search (chunk_id, bot_id, tsv), kept in step by triggers on chunks; its GIN
index holds bot_id too when the btree_gin extension can be created. The existing
tsvectors are copied, not recomputed. SQLite keeps its FTS5 table: nothing changes there.
"""

from alembic import op

from models import POSTGRES_TSV_COLUMN_DDL, drop_search, install_postgres_search

revision = "0005p"
down_revision = "0004r"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    install_postgres_search(
        bind,
        fill="INSERT INTO chunk_search (chunk_id, bot_id, tsv) SELECT id, bot_id, tsv FROM chunks",
    )
    op.execute("DROP INDEX IF EXISTS ix_chunks_tsv")
    op.execute("ALTER TABLE chunks DROP COLUMN IF EXISTS tsv")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # The generated column is computed again for every row as it is added.
    for statement in POSTGRES_TSV_COLUMN_DDL:
        op.execute(statement)
    drop_search(bind)
