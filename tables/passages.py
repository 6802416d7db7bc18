"""Passage vectors: each chunk's vector from the passage model (knowledge/passage_model.py).

Kept apart from chunks: they are filled in the background after a document is stored
(knowledge/passage_vectors.py), and go with their chunk (ON DELETE CASCADE).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from tables.base import Model, db


class PassageVector(Model):
    """One chunk's passage-model vector (little-endian float16)."""

    __tablename__ = "passage_vectors"

    chunk_id: Mapped[int] = mapped_column(
        ForeignKey("chunks.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    vector: Mapped[bytes] = mapped_column(db.LargeBinary)
