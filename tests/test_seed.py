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


# A newcomer's questions (the widget's starters, the README's, the usual ones), the
# document that must answer each, and words its offline answer must hold.
NEWCOMER = [
    ("How do I install the widget?", "Getting started", "script"),
    ("What is a public key?", "Keys, origins and security", "pk_"),
    ("How is cost counted?", "Pricing, usage, tokens and cost", "tokens"),
    ("How do I add the widget to my site?", "Getting started", "script"),
    ("What is Docent and how do I embed it?", ("What is Docent", "Getting started"), "script"),
    ("How much does it cost?", "Pricing, usage, tokens and cost", "free"),
    ("Can I run it with Ollama instead of OpenAI?", "Models, Ollama", "OPENAI_BASE_URL"),
    ("Does it work offline?", "Models, Ollama", "offline"),
    ("Which origins can use my key?", "Keys, origins and security", "origin"),
]


def test_newcomer_questions_answered_from_the_right_document(app, runner, client):
    assert runner.invoke(args=["seed"]).exit_code == 0
    with app.app_context():
        from models import Bot, db

        starters = db.session.get(Bot, 1).widget["starter_questions"]
    asked = {question for question, _, _ in NEWCOMER}
    assert set(starters) <= asked
    created = runner.invoke(args=["keys", "create", "--bot", "1", "--kind", "secret"])
    key = json.loads(created.output)["key"]
    for question, document, words in NEWCOMER:
        body = client.post(
            "/api/v1/chat", json={"message": question}, headers={"Authorization": f"Bearer {key}"}
        ).json
        assert body["sources"], question
        assert body["sources"][0]["title"].startswith(document), (question, body["sources"])
        assert words in body["answer"] and "[1]" in body["answer"], (question, body["answer"])
