"""The typed events every answer is made of, shared by all three wires."""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]


def start(session_id: str, message_id: str) -> Event:
    """Open an answer."""
    return {"type": "start", "sessionId": session_id, "message_id": message_id}


def delta(content: str) -> Event:
    """Carry a piece of answer text."""
    return {"type": "delta", "content": content}


def sources(items: list[dict[str, Any]]) -> Event:
    """Carry the passages the answer was built from."""
    return {"type": "sources", "sources": items}


def end(session_id: str, message_id: str, usage: dict[str, Any], answered: bool) -> Event:
    """Close an answer that completed; `answered` is False for a fallback or a refusal."""
    return {
        "type": "end",
        "sessionId": session_id,
        "message_id": message_id,
        "usage": usage,
        "answered": answered,
    }


def error(code: str, message: str, status: int = 502) -> Event:
    """Close an answer that failed; `error` is SPEC §3's object, `status` its HTTP twin."""
    return {"type": "error", "error": {"code": code, "message": message}, "status": status}
