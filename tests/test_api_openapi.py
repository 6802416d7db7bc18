"""The OpenAPI document: valid 3.1, covers every route, and real responses match it."""

from __future__ import annotations

import io
import json
import re

import pytest
import websocket
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from models import Bot, db
from tests.browser import browser_fixture, page_fixture  # noqa: F401  (fixtures)

QUESTION = "How long does international shipping take?"
METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def template(rule: str) -> str:
    """Turn a werkzeug rule into an OpenAPI path: /a/<int:id> → /a/{id}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_document_is_valid_openapi_31(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec["servers"] == [{"url": "http://localhost"}]


def test_every_route_is_documented_and_nothing_else(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(("dashboard.", "widget.")):
            continue
        for method in rule.methods & METHODS:
            routes.add((template(rule.rule), method.lower()))
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes - documented == set()
    assert documented - routes == set()


def test_stream_formats_are_described(spec):
    ndjson = spec["paths"]["/v1/chat/stream"]["post"]["responses"]["200"]["content"]
    assert ndjson["application/x-ndjson"]["schema"] == {"$ref": "#/components/schemas/StreamEvent"}
    sse = spec["paths"]["/api/v1/chat"]["post"]["responses"]["200"]["content"]
    assert "event: message" in sse["text/event-stream"]["schema"]["description"]
    ws = spec["paths"]["/api/v1/chat/ws"]["get"]
    assert "101" in ws["responses"] and "4429" in ws["description"]
    assert ws["x-websocket"]["server-frames"] == {"$ref": "#/components/schemas/StreamEvent"}


def test_rendered_reference_uses_only_local_assets(client):
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and docs.mimetype == "text/html"
    html = docs.get_data(as_text=True)
    assert "https://" not in html and "http://" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) == 4
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()
    script = client.get("/static/apidocs/docs.js")
    assert "/api/v1/openapi.json" in script.get_data(as_text=True)
    script.close()


def test_reference_renders_in_chromium(page, live_server):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server) else problems.append(f"external: {r.url}"),
    )
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() == 44  # one a documented operation
    assert page.get_by_text("/api/v1/chat/ws").count() >= 1
    assert problems == []


class Checker:
    """Validate real responses against the schema the document gives them."""

    def __init__(self, spec):
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:docent", resource)
        self.seen: set[tuple[str, str, str]] = set()

    def schema_for(self, path, method, status, media):
        operation = self.spec["paths"][path][method]
        responses = operation["responses"]
        assert str(status) in responses, f"{method} {path} answered an undocumented {status}"
        content = responses[str(status)]["content"]
        assert media in content, f"{method} {path} {status} is not documented as {media}"
        return content[media]["schema"]

    def validate(self, instance, schema):
        validator = Draft202012Validator(
            {"$ref": "urn:docent" + schema["$ref"]} if "$ref" in schema else schema,
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        validator.validate(instance)

    def __call__(self, response, path, method, status=200):
        assert response.status_code == status, response.get_data(as_text=True)
        schema = self.schema_for(path, method, status, response.mimetype)
        if response.mimetype == "application/json":
            self.validate(response.json, schema)
        elif response.mimetype == "application/x-ndjson":
            for line in response.get_data(as_text=True).splitlines():
                self.validate(json.loads(line), schema)
        elif response.mimetype == "text/event-stream":
            # Read streams to their end so no answer is left running after the test.
            last = response.get_data(as_text=True).rstrip().split("\n\n")[-1]
            if path == "/v1/chat/completions":
                assert last == "data: [DONE]"
            else:
                assert last.startswith("event: end")
        response.close()
        self.seen.add((path, method, str(status)))
        return response


def test_real_responses_match_their_schemas(app, client, spec, make_bot, make_key, live_server):
    check = Checker(spec)
    bot = make_bot()
    key = make_key(bot)
    auth = {"Authorization": f"Bearer {key}"}
    public = make_key(bot, "public", origins=["https://shop.example"])
    widget = {"x-widget-api-key": public, "Origin": "https://shop.example"}

    answer = check(
        client.post("/v1/chat", json={"sessionId": "s1", "message": QUESTION}, headers=widget),
        "/v1/chat",
        "post",
    ).json
    check(
        client.post(
            "/v1/chat/stream", json={"sessionId": "s1", "message": "Refunds?"}, headers=widget
        ),
        "/v1/chat/stream",
        "post",
    )
    check(client.get("/v1/widget/config", headers=widget), "/v1/widget/config", "get")
    check(client.get("/healthz"), "/healthz", "get")
    check(client.get("/readyz"), "/readyz", "get")
    check(
        client.get("/v1/sessions/s1/messages", headers=widget), "/v1/sessions/{sid}/messages", "get"
    )
    check(
        client.post(
            f"/v1/messages/{answer['message_id']}/feedback",
            json={"rating": "up", "comment": "Clear"},
            headers=widget,
        ),
        "/v1/messages/{message_id}/feedback",
        "post",
    )
    check(
        client.post("/api/v1/chat", json={"message": QUESTION, "session_id": "s2"}, headers=auth),
        "/api/v1/chat",
        "post",
    )
    check(
        client.post(
            "/api/v1/chat",
            json={
                "message": QUESTION,
                "history": [
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello"},
                ],
            },
            headers=auth,
        ),
        "/api/v1/chat",
        "post",
    )
    check(
        client.post("/api/v1/chat", json={"message": QUESTION, "stream": True}, headers=auth),
        "/api/v1/chat",
        "post",
    )
    check(client.get("/api/v1/sessions?include_all=true", headers=auth), "/api/v1/sessions", "get")
    check(client.get("/api/v1/sessions/s1", headers=auth), "/api/v1/sessions/{sid}", "get")
    check(client.get("/api/v1/usage", headers=auth), "/api/v1/usage", "get")
    created = check(
        client.post("/api/v1/documents", json={"title": "Hours", "text": "9 to 5."}, headers=auth),
        "/api/v1/documents",
        "post",
        201,
    ).json
    check(
        client.post("/api/v1/documents", json={"title": "Hours", "text": "9 to 5."}, headers=auth),
        "/api/v1/documents",
        "post",
        200,
    )
    check(
        client.post(
            "/api/v1/documents",
            data={"file": (io.BytesIO(b"Big. " * 100), "b.txt"), "background": "1"},
            headers=auth,
            content_type="multipart/form-data",
        ),
        "/api/v1/documents",
        "post",
        202,
    )
    check(client.get("/api/v1/documents", headers=auth), "/api/v1/documents", "get")
    doc = created["document"]["id"]
    check(
        client.get(f"/api/v1/documents/{doc}", headers=auth),
        "/api/v1/documents/{document_id}",
        "get",
    )
    check(
        client.delete(f"/api/v1/documents/{doc}", headers=auth),
        "/api/v1/documents/{document_id}",
        "delete",
    )
    chat = check(client.post("/chat", json={"name": "Support"}, headers=auth), "/chat", "post").json
    cid = chat["chat_id"]
    check(client.get("/chat", headers=auth), "/chat", "get")
    check(
        client.put(f"/chat/{cid}/metadata", json={"chat_name": "Renamed"}, headers=auth),
        "/chat/{chat_id}/metadata",
        "put",
    )
    check(
        client.post(f"/chat/{cid}/question", json={"question": QUESTION}, headers=auth),
        "/chat/{chat_id}/question",
        "post",
    )
    check(
        client.post(f"/chat/{cid}/question/stream", json={"question": QUESTION}, headers=auth),
        "/chat/{chat_id}/question/stream",
        "post",
    )
    check(client.get(f"/chat/{cid}/history", headers=auth), "/chat/{chat_id}/history", "get")
    check(client.delete(f"/chat/{cid}", headers=auth), "/chat/{chat_id}", "delete")
    check(client.delete("/api/v1/sessions/s2", headers=auth), "/api/v1/sessions/{sid}", "delete")
    check(
        client.get("/api/v1/questions?answered=false&rating=down", headers=auth),
        "/api/v1/questions",
        "get",
    )
    curated = check(
        client.post(
            "/api/v1/answers",
            json={"question": "Do you gift wrap?", "answer": "Yes, for $3.", "url": None},
            headers=auth,
        ),
        "/api/v1/answers",
        "post",
        201,
    ).json["answer"]["id"]
    check(client.get("/api/v1/answers", headers=auth), "/api/v1/answers", "get")
    check(
        client.put(
            f"/api/v1/answers/{curated}",
            json={"question": "Do you gift wrap?", "answer": "Yes, for $4."},
            headers=auth,
        ),
        "/api/v1/answers/{answer_id}",
        "put",
    )
    check(
        client.delete(f"/api/v1/answers/{curated}", headers=auth),
        "/api/v1/answers/{answer_id}",
        "delete",
    )
    model = f"bot-{bot}"
    check(client.get("/v1/models", headers=auth), "/v1/models", "get")
    check(client.get(f"/v1/models/{model}", headers=auth), "/v1/models/{name}", "get")
    ask = {"model": model, "messages": [{"role": "user", "content": QUESTION}]}
    check(
        client.post("/v1/chat/completions", json=ask, headers=auth), "/v1/chat/completions", "post"
    )
    check(
        client.post("/v1/chat/completions", json={**ask, "stream": True}, headers=auth),
        "/v1/chat/completions",
        "post",
    )
    mcp = {**auth, "Accept": "application/json, text/event-stream"}
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    check(client.post("/mcp", json=initialize, headers=mcp), "/mcp", "post")
    app.config["ALLOW_PRIVATE_URLS"] = True
    hook = check(
        client.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "events": ["message.rated"]},
            headers=auth,
        ),
        "/api/v1/webhooks",
        "post",
        201,
    ).json["webhook"]
    check(client.get("/api/v1/webhooks", headers=auth), "/api/v1/webhooks", "get")
    check(
        client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=auth),
        "/api/v1/webhooks/{webhook_id}/deliveries",
        "get",
    )
    check(
        client.delete(f"/api/v1/webhooks/{hook['id']}", headers=auth),
        "/api/v1/webhooks/{webhook_id}",
        "delete",
    )
    check(client.get("/api/v1/openapi.json"), "/api/v1/openapi.json", "get")
    check(client.get("/api/docs"), "/api/docs", "get")

    # Errors, in SPEC's shape, with statuses the document lists.
    check(client.get("/api/v1/sessions/nope", headers=auth), "/api/v1/sessions/{sid}", "get", 404)
    check(client.get("/api/v1/usage?start_date=bad", headers=auth), "/api/v1/usage", "get", 400)
    check(client.get("/api/v1/usage"), "/api/v1/usage", "get", 401)
    check(client.get("/api/v1/usage", headers=widget), "/api/v1/usage", "get", 403)
    check(client.get("/v1/models"), "/v1/models", "get", 401)
    check(
        client.post("/v1/chat/completions", json={"model": "gpt-4o"}, headers=auth),
        "/v1/chat/completions",
        "post",
        404,
    )
    check(
        client.post("/v1/chat/completions", json={"model": model}, headers=auth),
        "/v1/chat/completions",
        "post",
        400,
    )
    check(client.post("/mcp", json=initialize, headers=widget), "/mcp", "post", 401)
    check(client.post("/v1/chat", data="x", headers=widget), "/v1/chat", "post", 415)
    check(
        client.post("/api/v1/chat", json={"message": ""}, headers=auth), "/api/v1/chat", "post", 400
    )

    # WebSocket frames are StreamEvents; a refused handshake is an Error.
    url = live_server.replace("http://", "ws://") + "/api/v1/chat/ws"
    ws = websocket.create_connection(f"{url}?api_key={key}", suppress_origin=True, timeout=10)
    ws.send(json.dumps({"message": QUESTION}))
    frames = [json.loads(ws.recv())]
    while frames[-1]["type"] != "end":
        frames.append(json.loads(ws.recv()))
    ws.send(json.dumps({"message": ""}))
    frames.append(json.loads(ws.recv()))
    ws.close()
    event = {"$ref": "#/components/schemas/StreamEvent"}
    for frame in frames:
        check.validate(frame, event)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{url}?api_key={public}", origin="https://evil.example")
    assert refused.value.status_code == 403
    check.validate(json.loads(refused.value.resp_body), {"$ref": "#/components/schemas/Error"})
    check.validate({"type": "auth", "api_key": key}, {"$ref": "#/components/schemas/WsAuthFrame"})

    with app.app_context():
        db.session.get(Bot, bot).widget = {"lead_form": True}
        db.session.commit()
    lead = {"sessionId": "s1", "kind": "lead", "email": "a@example.org", "name": "A"}
    check(client.post("/v1/leads", json=lead, headers=widget), "/v1/leads", "post", 201)
    bad_lead = client.post("/v1/leads", json={**lead, "kind": "x"}, headers=widget)
    check(bad_lead, "/v1/leads", "post", 400)
    # The sitemap is unreachable (a closed port): the sync fails, the routes answer.
    made = client.post(
        "/api/v1/sources", json={"sitemap": "http://127.0.0.1:9/sitemap.xml"}, headers=auth
    )
    check(made, "/api/v1/sources", "post", 202)
    no_url = client.post("/api/v1/sources", json={}, headers=auth)
    check(no_url, "/api/v1/sources", "post", 400)
    check(client.get("/api/v1/sources", headers=auth), "/api/v1/sources", "get")
    one = f"/api/v1/sources/{made.json['source']['id']}"
    check(client.get(one, headers=auth), "/api/v1/sources/{source_id}", "get")
    check(client.get(one + "0", headers=auth), "/api/v1/sources/{source_id}", "get", 404)
    resync = client.post(one + "/sync", headers=auth)
    check(resync, "/api/v1/sources/{source_id}/sync", "post", 202)

    documented = {(p, m) for p, item in spec["paths"].items() for m in item}
    assert {(p, m) for p, m, _ in check.seen} | {("/api/v1/chat/ws", "get")} == documented


# Every JSON body route, with a valid body: an unknown property in it is refused.
BODIES = [
    ("post", "/v1/chat", {"sessionId": "s1", "message": QUESTION}),
    ("post", "/v1/chat/stream", {"sessionId": "s1", "message": QUESTION}),
    ("post", "/api/v1/chat", {"message": QUESTION}),
    ("post", "/api/v1/documents", {"title": "Returns", "text": "Returns take a week."}),
    ("post", "/chat", {"name": "Support"}),
    ("put", "/chat/s1/metadata", {"chat_name": "Renamed"}),
    ("post", "/chat/s1/question", {"question": QUESTION}),
]


@pytest.mark.parametrize(("method", "path", "body"), BODIES)
def test_request_bodies_are_closed_like_their_schemas(spec, client, auth, method, path, body):
    client.post("/api/v1/chat", json={"message": QUESTION, "session_id": "s1"}, headers=auth)
    operation = spec["paths"][path.replace("/s1/", "/{chat_id}/")][method]
    media = operation["requestBody"]["content"]["application/json"]["schema"]
    names = [m["$ref"].rsplit("/", 1)[1] for m in media.get("oneOf", [media])]
    assert all(spec["components"]["schemas"][n]["additionalProperties"] is False for n in names)
    refused = getattr(client, method)(path, json={**body, "colour": "red"}, headers=auth)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "invalid_request"
    assert "colour" in refused.json["error"]["message"]
    unknown_query = getattr(client, method)(f"{path}?colour=red", json=body, headers=auth)
    assert unknown_query.status_code == 400, unknown_query.json
    accepted = getattr(client, method)(path, json=body, headers=auth)
    assert accepted.status_code < 300, accepted.json
    accepted.close()


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/v1/documents", "/chat"])
def test_page_bounds_are_documented_and_enforced_alike(spec, client, auth, path):
    params = {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]}
    for name in ("page", "per_page"):
        most = params[name]["maximum"]
        ok = client.get(f"{path}?{name}={most}", headers=auth)
        assert ok.status_code == 200, (name, ok.json)
        if name == "per_page":
            assert ok.json.get("meta", {"per_page": most})["per_page"] == most
        for bad in (most + 1, 0):
            refused = client.get(f"{path}?{name}={bad}", headers=auth)
            assert refused.status_code == 400, (name, bad)
    default = client.get(path, headers=auth).json.get("meta")
    if default:
        assert default["per_page"] == params["per_page"]["default"]


def test_upgrade_required_is_documented(spec, client):
    operation = spec["paths"]["/api/v1/chat/ws"]["get"]
    assert "426" in operation["responses"]
    plain = client.get("/api/v1/chat/ws")
    assert plain.status_code == 426 and plain.json["error"]["code"] == "upgrade_required"
