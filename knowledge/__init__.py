"""Docent's knowledge base: ingest documents into chunks, and find the right passages."""

from __future__ import annotations

from knowledge.errors import IngestError
from knowledge.ingest import add_file, add_text, add_url, delete_document, mark_interrupted

__all__ = ["IngestError", "add_file", "add_text", "add_url", "delete_document", "mark_interrupted"]
