"""The demo that `make run` seeds answers the README's question, offline, with sources."""

from __future__ import annotations

import json


def test_readme_question_answered_offline(app, runner, client):
    assert runner.invoke(args=["seed"]).exit_code == 0
    created = runner.invoke(args=["keys", "create", "--bot", "1", "--kind", "secret"])
    key = json.loads(created.output)["key"]
    body = client.post(
        "/api/v1/chat",
        json={"message": "How do I add the widget to my site?"},
        headers={"Authorization": f"Bearer {key}"},
    ).json
    assert body["success"] is True
    assert "script" in body["answer"] and "[1]" in body["answer"]
    assert body["sources"] and body["sources"][0]["title"].startswith("Getting started")
    assert body["usage"]["cost"] == 0.0


def test_demo_public_key_works_from_demo_origin(app, runner, client):
    runner.invoke(args=["seed"])
    from models import ApiKey, db

    with app.app_context():
        key = db.session.execute(db.select(ApiKey)).scalar_one()
    response = client.get(
        "/v1/widget/config",
        headers={"Authorization": f"Bearer {key.public_text}", "Origin": "http://localhost:5000"},
    )
    assert response.status_code == 200 and response.json["title"] == "Ask Docent"
