"""The numbers of Docent's public contract (SPEC), written once.

Validation (api/validation.py, api/leads.py, the dashboard's forms), the OpenAPI
document, the dashboard's templates (as `contract`) and the widget (through
/v1/widget/config's `message_max`) all read them from here.
"""

from __future__ import annotations

# A visitor's message or question: 1–MESSAGE_MAX characters after trimming.
MESSAGE_MAX = 4000
# A stateless history: at most HISTORY_TURNS turns, each at most HISTORY_TURN_MAX characters.
HISTORY_TURNS = 100
HISTORY_TURN_MAX = 4 * MESSAGE_MAX
# A session id: 1–SESSION_ID_MAX characters of A-Z a-z 0-9 . _ : -
SESSION_ID_MAX = 128
# A chat's name (the /chat routes).
CHAT_NAME_MAX = 300
# Feedback on an answer: its comment.
FEEDBACK_COMMENT_MAX = 2000
# A lead: the visitor's name, email and message.
LEAD_NAME_MAX = 200
LEAD_EMAIL_MAX = 320
LEAD_MESSAGE_MAX = MESSAGE_MAX


def template_values() -> dict[str, int]:
    """Return the numbers templates may show or enforce, by lower-case name."""
    return {name.lower(): value for name, value in globals().items() if name.isupper()}
