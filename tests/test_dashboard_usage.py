"""Usage: the dashboard's numbers are exactly /api/v1/usage's; charts and tables render."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from models import Bot, UsageDaily, db, utcnow
from services.keys import create_key
from tests import test_dashboard_support as support

# Shared fixtures.
bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in


def seed_usage(app, bot: int) -> date:
    today = utcnow().date()
    rows = [
        (0, "gpt-4.1-mini", today, 3, 1200, 300, 960),
        (0, "gpt-4.1-mini", today - timedelta(days=1), 2, 800, 200, 640),
        (7, "gpt-4o", today - timedelta(days=1), 1, 1000, 500, 7500),
        (0, "offline", today - timedelta(days=40), 5, 10, 10, 0),
    ]
    with app.app_context():
        for key_id, model, day, requests, inp, out, cost in rows:
            db.session.add(
                UsageDaily(
                    bot_id=bot,
                    key_id=key_id,
                    model=model,
                    day=day,
                    requests=requests,
                    input_tokens=inp,
                    output_tokens=out,
                    cost_micros=cost,
                )
            )
        db.session.commit()
    return today


def test_empty_state(signed_in, bot_id):
    page = signed_in.get(f"/dashboard/bots/{bot_id}/usage")
    assert page.status_code == 200 and b"No usage in this range yet" in page.data
    assert b"No model was called" in page.data


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"start": "{d60}", "end": "{today}"},
        {"start": "{d1}", "end": "{d1}"},
    ],
)
def test_numbers_match_the_api_exactly(app, client, signed_in, bot_id, query):
    today = seed_usage(app, bot_id)
    names = {
        "today": today.isoformat(),
        "d1": (today - timedelta(days=1)).isoformat(),
        "d60": (today - timedelta(days=60)).isoformat(),
    }
    query = {k: v.format(**names) for k, v in query.items()}
    with app.app_context():
        _, secret = create_key(db.session.get(Bot, bot_id), "secret", scopes=["usage:read"])
    api = client.get(
        "/api/v1/usage",
        query_string={"start_date": query.get("start", ""), "end_date": query.get("end", "")},
        headers={"Authorization": f"Bearer {secret}"},
    ).json
    mine = signed_in.get(f"/dashboard/bots/{bot_id}/usage.json", query_string=query).json
    assert mine == api
    html = signed_in.get(f"/dashboard/bots/{bot_id}/usage", query_string=query).data.decode()
    totals = dict(re.findall(r'data-total="(\w+)">([^<]+)<', html))
    assert totals["requests"] == f"{api['usage']['total_requests']:,}"
    assert totals["total_tokens"] == f"{api['usage']['total_tokens']:,}"
    for model in api["by_model"]:
        assert f"<code>{model['model']}</code>" in html
    for day in api["by_day"]:
        assert f'<th scope="row">{day["date"]}</th><td class="num">{day["requests"]:,}</td>' in html
    assert html.count('<g class="bar"') == 3 * len(api["by_day"])


def test_charts_are_inline_svg_with_titles(app, signed_in, bot_id):
    seed_usage(app, bot_id)
    html = signed_in.get(
        f"/dashboard/bots/{bot_id}/usage", query_string={"days": "7"}
    ).data.decode()
    assert html.count("<svg viewBox=") == 3 and 'role="img"' in html
    assert re.search(r"<title>\w{3} \w{3} \d+: 3 requests</title>", html)
    assert "1200 input + 300 output tokens" in html
    assert not re.search(r'<script[^>]+src="https?://', html)  # no chart library from a CDN


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2024-02-30"},
        {"start": "2024-05-02", "end": "2024-05-01"},
        {"start": "2020-01-01", "end": "2024-01-01"},
    ],
)
def test_bad_ranges_are_explained(signed_in, bot_id, query):
    response = signed_in.get(f"/dashboard/bots/{bot_id}/usage", query_string=query)
    assert response.status_code == 400 and b'class="flash flash-warning"' in response.data
