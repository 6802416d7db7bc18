"""The prompt keeps the model to the retrieved passages and asks it to cite them."""

from __future__ import annotations

from engine.prompt import build_messages
from knowledge.passages import Passage


def passage(n: int, text: str) -> Passage:
    return Passage(n, n, "Shop help", f"Shop help > Part {n}", text, None, None, None, 0.9)


def test_system_message_numbers_passages_and_demands_citations():
    messages = build_messages(
        "Be brief.",
        [passage(1, "Orders ship in two days."), passage(2, "Run `docent sync --all`.")],
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}],
        "How fast do you ship?",
        2000,
    )
    system = messages[0]["content"]
    assert system.startswith("Be brief.")
    assert "[1] Shop help — Shop help > Part 1\nOrders ship in two days." in system
    assert "[2] Shop help — Shop help > Part 2\nRun `docent sync --all`." in system
    assert "only" in system and "cite" in system.lower() and "do not guess" in system
    assert "Keep option names, commands, code and figures exactly as the passages" in system
    assert messages[-1] == {"role": "user", "content": "How fast do you ship?"}
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]


def test_no_passages_says_so():
    system = build_messages("", [], [], "Anything?", 100)[0]["content"]
    assert "(none found)" in system
