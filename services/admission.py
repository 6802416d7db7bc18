"""Questions prepared in arrival order: a few at a time per process, the rest waiting in line.

Before the model is called, a question costs a few milliseconds of CPU: storing it,
reading the history, retrieval. When many arrive together (a page of visitors, a
burst of API calls), running them all at once shares the interpreter among every
thread, so each one's first token comes only when nearly all are prepared. Taking them
a few at a time, in arrival order, gets the first ones to the model sooner and the last
ones no later: the same work in a better order (docs/performance.md, "Concurrent
streams").

A chat request takes its place as it starts, before its key is checked (`in_line`, a
decorator on the chat routes and a block around each WebSocket question), so that it
waits holding no database connection; its turn takes the place over
(services/conversations.start_turn) and gives it back once the passages are retrieved
(engine/answer.stream_answer), or when the turn is dropped unanswered. A request that
fails before its turn starts gives it back on the way out. A place waited for longer
than PATIENCE is given up: the question goes on without one, so a slow question (a
database lock held long) delays the others by at most that.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import current_app, g, has_request_context

# Seconds a question waits for its place before it goes on without one. At 200 streams
# on PostgreSQL, 0.5 s let most questions leave the line and the first token came twice
# as late as with 2 s (docs/performance.md, "Concurrent streams").
PATIENCE = 2.0


class Place:
    """A place held by one question: given back once, however many times it is asked."""

    def __init__(self, admission: Admission) -> None:
        self._admission: Admission | None = admission

    def give_back(self) -> None:
        """Hand the place to the next question in line (the first call only)."""
        admission = self._admission
        if admission is not None:
            admission._hand_over(self)


class Admission:
    """A process's places for preparing questions, handed over in arrival order."""

    def __init__(self, places: int) -> None:
        self.free = places
        self._lock = threading.Lock()
        self._line: deque[threading.Event] = deque()

    def take(self, patience: float | None = None) -> Place | None:
        """Wait for a place (up to `patience` seconds); None if it ran out first."""
        with self._lock:
            if self.free > 0:  # a free place means nobody waits: places go straight over
                self.free -= 1
                return Place(self)
            turn = threading.Event()
            self._line.append(turn)
        if turn.wait(PATIENCE if patience is None else patience):
            return Place(self)
        with self._lock:
            if turn.is_set():  # handed over as the wait ended
                return Place(self)
            self._line.remove(turn)
        return None

    def waiting(self) -> int:
        """Return how many questions wait for a place."""
        with self._lock:
            return len(self._line)

    def _hand_over(self, place: Place) -> None:
        with self._lock:
            if place._admission is None:
                return  # given back already
            place._admission = None
            if self._line:
                self._line.popleft().set()
            else:
                self.free += 1


_made = threading.Lock()


def admission() -> Admission | None:
    """Return the app's Admission in this process, or None when QUESTION_PLACES is 0."""
    found: Admission | None = current_app.extensions.get("docent.admission")
    if found is None:
        places = int(current_app.config["QUESTION_PLACES"])
        if places == 0:
            return None
        with _made:
            found = current_app.extensions.setdefault("docent.admission", Admission(places))
    return found


@contextmanager
def waiting_in_line() -> Iterator[None]:
    """Wait for a place for the question about to start; give it back if no turn took it."""
    gate = admission()
    g.question_place = gate.take() if gate is not None else None
    try:
        yield
    finally:
        left: Place | None = g.pop("question_place", None)
        if left is not None:
            left.give_back()


View = TypeVar("View", bound=Callable[..., Any])


def in_line(view: View) -> View:
    """Run a chat route in its question's place (see waiting_in_line)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with waiting_in_line():
            return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def claim_place() -> Place | None:
    """Take over the place the request waited for, if it has one (for its turn)."""
    return g.pop("question_place", None) if has_request_context() else None
