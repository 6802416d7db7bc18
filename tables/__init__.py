"""Docent's tables beyond the core ones, by area; models.py re-exports every one."""
