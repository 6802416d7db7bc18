"""Developer usage: totals to the cent, per model and per day, date-range edges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.calls import record_usage
from engine.usage import usage_report
from models import Message, UsageDaily, db, utcnow

QUESTION = "How long does international shipping take?"


def add_usage(app, bot, day, model, requests, inp, out, micros, key_id=0):
    with app.app_context():
        db.session.add(
            UsageDaily(
                bot_id=bot,
                key_id=key_id,
                model=model,
                day=day,
                requests=requests,
                input_tokens=inp,
                output_tokens=out,
                cost_micros=micros,
                latency_ms_total=10,
            )
        )
        db.session.commit()


def test_usage_matches_recorded_messages_to_the_cent(app, client, auth, llm_app, bot):
    app.config["PRICE_TABLE"]["gpt-4.1-mini"] = (0.4, 1.6)
    replies = [
        client.post("/api/v1/chat", json={"message": f"{QUESTION} ({n})"}, headers=auth).json
        for n in range(3)
    ]
    body = client.get("/api/v1/usage", headers=auth).json
    with app.app_context():
        rows = db.session.scalars(db.select(Message).where(Message.role == "assistant")).all()
        micros = sum(m.cost_micros for m in rows)
        tokens_in = sum(m.input_tokens for m in rows)
        tokens_out = sum(m.output_tokens for m in rows)
    assert micros > 0
    usage = body["usage"]
    assert usage == {
        "total_requests": 3,
        "total_input_tokens": tokens_in,
        "total_output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
        "total_cost": micros / 1_000_000,
    }
    assert round(usage["total_cost"], 2) == round(sum(r["usage"]["cost"] for r in replies), 2)
    assert usage["total_cost"] == pytest.approx(sum(r["usage"]["cost"] for r in replies), abs=1e-9)
    assert body["by_model"] == [
        {
            "model": "gpt-4.1-mini",
            "requests": 3,
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
            "cost": micros / 1_000_000,
        }
    ]
    today = utcnow().date().isoformat()
    assert body["by_day"][-1]["date"] == today and body["by_day"][-1]["requests"] == 3
    assert len(body["by_day"]) == 30 and sum(d["requests"] for d in body["by_day"]) == 3
    # Deleting a session removes its messages, not what its calls cost.
    sid = replies[0]["session_id"]
    assert client.delete(f"/api/v1/sessions/{sid}", headers=auth).status_code == 200
    assert client.get("/api/v1/usage", headers=auth).json == body


def test_by_model_and_by_day_sum_exactly(app, client, auth, bot, make_bot):
    day = date(2025, 3, 1)
    # Costs whose float sum drifts; micro-dollar integers do not.
    add_usage(app, bot, day, "gpt-4.1", 1, 100, 10, 100_001)
    add_usage(app, bot, day, "gpt-4.1", 2, 200, 20, 200_002, key_id=5)
    add_usage(app, bot, day + timedelta(days=2), "gpt-4.1-mini", 4, 40, 4, 300_003)
    add_usage(app, make_bot("Other"), day, "gpt-4.1", 9, 9, 9, 9_000_000)
    add_usage(app, bot, day + timedelta(days=3), "gpt-4.1", 7, 7, 7, 7)  # after the range
    body = client.get("/api/v1/usage?start_date=2025-03-01&end_date=2025-03-03", headers=auth).json
    assert body["start_date"] == "2025-03-01" and body["end_date"] == "2025-03-03"
    assert body["usage"] == {
        "total_requests": 7,
        "total_input_tokens": 340,
        "total_output_tokens": 34,
        "total_tokens": 374,
        "total_cost": 0.600006,
    }
    assert [(m["model"], m["requests"], m["cost"]) for m in body["by_model"]] == [
        ("gpt-4.1-mini", 4, 0.300003),
        ("gpt-4.1", 3, 0.300003),
    ]
    assert [(d["date"], d["requests"], d["cost"]) for d in body["by_day"]] == [
        ("2025-03-01", 3, 0.300003),
        ("2025-03-02", 0, 0.0),
        ("2025-03-03", 4, 0.300003),
    ]


def test_empty_range_is_zeros(client, auth):
    body = client.get("/api/v1/usage?start_date=2024-02-28&end_date=2024-03-01", headers=auth).json
    assert body["usage"]["total_requests"] == 0 and body["usage"]["total_cost"] == 0
    assert body["by_model"] == []
    assert [d["date"] for d in body["by_day"]] == ["2024-02-28", "2024-02-29", "2024-03-01"]


@pytest.mark.parametrize(
    ("query", "days", "last"),
    [
        ("start_date=2025-01-01&end_date=2025-01-01", 1, "2025-01-01"),
        ("start_date=2024-01-01&end_date=2024-12-31", 366, "2024-12-31"),
        ("end_date=2025-01-31", 30, "2025-01-31"),
        ("start_date=", 30, None),
        ("", 30, None),
    ],
)
def test_range_edges(client, auth, query, days, last):
    body = client.get(f"/api/v1/usage?{query}", headers=auth).json
    assert len(body["by_day"]) == days
    assert body["by_day"][-1]["date"] == (last or utcnow().date().isoformat())


def test_start_date_alone_runs_to_today(client, auth):
    start = (utcnow().date() - timedelta(days=3)).isoformat()
    body = client.get(f"/api/v1/usage?start_date={start}", headers=auth).json
    assert body["by_day"][0]["date"] == start and len(body["by_day"]) == 4


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2025-13-01",
        "start_date=2025-02-30",
        "end_date=yesterday",
        "start_date=20250101",
        "start_date=2025-1-1",
        "end_date=2025-01-01T00:00:00",
        "start_date=2025-02-02&end_date=2025-02-01",
        "start_date=2024-01-01&end_date=2025-01-01",
    ],
)
def test_bad_dates_are_400(client, auth, query):
    response = client.get(f"/api/v1/usage?{query}", headers=auth)
    assert response.status_code == 400
    assert response.json["success"] is False
    assert response.json["error"]["code"] == "invalid_request"


def test_usage_report_function_refuses_bad_ranges(app):
    with app.app_context(), pytest.raises(ValueError):
        usage_report(1, date(2025, 1, 2), date(2025, 1, 1))


def test_usage_needs_usage_scope(client, bot, make_key):
    response = client.get("/api/v1/usage", headers={"x-api-key": make_key(bot, scopes=["chat"])})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "scope_not_allowed"


def test_aggregates_on_write_one_row_per_day(app, bot):
    with app.app_context():
        for _ in range(5):
            record_usage(bot, 3, "gpt-4.1", 10, 5, 123, 50)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(UsageDaily)) == 1
        report = usage_report(bot, utcnow().date(), utcnow().date())
    assert report["usage"]["total_requests"] == 5 and report["usage"]["total_cost"] == 0.000615
