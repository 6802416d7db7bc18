"""Questions are prepared a few at a time, in arrival order (services/admission.py)."""

from __future__ import annotations

import gc
import threading
import time

import services.admission as admission_module
from services.admission import Admission, Place, admission, waiting_in_line


def take_later(gate: Admission, name: str, order: list[str], patience: float = 10):
    """Take a place in another thread; note the name (or "-name" without a place)."""

    def run() -> None:
        place = gate.take(patience)
        order.append(name if place else "-" + name)
        if place:
            place.give_back()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def settle(gate: Admission, count: int) -> None:
    deadline = time.monotonic() + 5
    while gate.waiting() < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gate.waiting() == count


def test_places_are_handed_over_in_arrival_order():
    gate = Admission(1)
    order: list[str] = []
    place = gate.take()
    assert isinstance(place, Place) and gate.free == 0
    threads = []
    for name in ("first", "second", "third"):
        threads.append(take_later(gate, name, order))
        settle(gate, len(threads))
    place.give_back()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second", "third"]
    assert gate.free == 1


def test_a_place_is_given_back_once_however_often_asked():
    gate = Admission(2)
    place = gate.take()
    assert place is not None and gate.free == 1
    place.give_back()
    place.give_back()
    assert gate.free == 2


def test_two_places_let_two_prepare_at_once():
    gate = Admission(2)
    first, second = gate.take(), gate.take()
    assert first and second and gate.free == 0
    order: list[str] = []
    thread = take_later(gate, "third", order)
    settle(gate, 1)
    first.give_back()
    thread.join(5)
    assert order == ["third"]


def test_a_question_waits_no_longer_than_its_patience_and_leaves_the_line():
    gate = Admission(1)
    order: list[str] = []
    place = gate.take()
    assert place is not None
    started = time.monotonic()
    take_later(gate, "late", order, patience=0.2).join(5)
    assert 0.15 < time.monotonic() - started < 3
    assert order == ["-late"]  # went on without a place
    assert gate.waiting() == 0
    place.give_back()
    assert gate.free == 1  # back to nobody waiting


def test_no_places_configured_prepares_every_question_at_once(app):
    app.config["QUESTION_PLACES"] = 0
    with app.app_context():
        assert admission() is None
    with app.test_request_context(), waiting_in_line():
        assert admission_module.claim_place() is None


def ask_in_background(client, headers, done):
    def run() -> None:
        done.append(
            client.post(
                "/api/v1/chat", json={"message": "How long does shipping take?"}, headers=headers
            ).status_code
        )

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_question_is_stored_only_in_its_place_and_gives_it_back(
    app, client, bot, make_key, monkeypatch
):
    from models import Message, db

    def stored() -> int:
        with app.app_context():
            return db.session.query(Message).count()

    headers = {"Authorization": f"Bearer {make_key(bot)}"}
    warm: list[int] = []
    ask_in_background(client, headers, warm).join(30)
    assert warm == [200]
    monkeypatch.setattr(admission_module, "PATIENCE", 30.0)
    with app.app_context():
        gate = admission()
    assert gate is not None and gate.free == 1  # the answered question gave its place back
    place = gate.take()
    assert place is not None
    done: list[int] = []
    thread = ask_in_background(client, headers, done)
    settle(gate, 1)  # the question waits in line, not stored yet
    before = stored()
    time.sleep(0.6)  # still in line: this test's patience is 30 s
    assert done == [] and stored() == before
    place.give_back()
    thread.join(30)
    assert done == [200] and stored() == before + 2
    assert gate.free == 1


def start_in_line(bot_id: int, question: str):
    """Start a turn as a chat route does, in its place in line (inside a request context)."""
    from models import Bot, db
    from services.conversations import start_turn
    from services.keys import create_key

    owner_bot = db.session.get_one(Bot, bot_id)
    key, _ = create_key(owner_bot, "secret")
    with waiting_in_line():
        return start_turn(key, owner_bot, None, question)


def test_a_turn_dropped_unanswered_gives_its_place_back(app, bot):
    with app.test_request_context():
        gate = admission()
        assert gate is not None
        turn = start_in_line(bot, "Is it free?")
        assert gate.free == 0  # held until its passages are retrieved
        del turn  # the client left before the answer started
        gc.collect()
        assert gate.free == 1


def test_the_place_is_given_back_once_the_passages_are_retrieved(app, bot):
    from engine.answer import stream_answer

    with app.test_request_context():
        gate = admission()
        assert gate is not None
        turn = start_in_line(bot, "How long does shipping take?")
        stream = stream_answer(turn)
        kinds = []
        for event in stream:
            kinds.append(event["type"])
            if event["type"] == "start":
                assert gate.free == 0  # stored, not yet retrieved for
            if event["type"] == "delta":
                break
        assert kinds[-1] == "delta"
        assert gate.free == 1  # answering, with the turn still alive: the place is back
        stream.close()


def test_questions_in_line_hold_no_database_connection(app, client, bot, make_key, monkeypatch):
    # Were each question in line holding a connection, a burst of them would empty the
    # pool, and the question with the place would find no connection to store itself.
    from models import db

    monkeypatch.setattr(admission_module, "PATIENCE", 30.0)
    headers = {"Authorization": f"Bearer {make_key(bot)}"}
    with app.app_context():
        gate, pool = admission(), db.engine.pool
    assert gate is not None
    place = gate.take()
    assert place is not None
    done: list[int] = []
    thread = ask_in_background(client, headers, done)
    settle(gate, 1)  # authenticated, and waiting in line
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    place.give_back()
    thread.join(30)
    assert done == [200]


def test_a_request_refused_before_its_turn_gives_its_place_back(app, client, bot, make_key):
    with app.app_context():
        gate = admission()
    assert gate is not None
    bad = client.post(
        "/api/v1/chat", json={"message": "Hi"}, headers={"Authorization": "Bearer sk_nope"}
    )
    assert bad.status_code == 401
    empty = client.post(
        "/api/v1/chat", json={"message": ""}, headers={"Authorization": f"Bearer {make_key(bot)}"}
    )
    assert empty.status_code == 400
    assert gate.free == 1 and gate.waiting() == 0
