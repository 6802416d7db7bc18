"""Every pooled database connection in use for too long: a 503 to retry, not a 500."""

from __future__ import annotations

from sqlalchemy.exc import TimeoutError as PoolTimeout

import api.chat


def test_an_exhausted_pool_is_a_503_with_retry_after(client, make_bot, make_key, monkeypatch):
    key = make_key(make_bot())

    def exhausted(*args, **kwargs):
        raise PoolTimeout("QueuePool limit of size 10 overflow 20 reached")

    monkeypatch.setattr(api.chat, "authenticate", exhausted)
    response = client.post(
        "/v1/chat",
        json={"sessionId": "busy", "message": "Hello?"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert response.get_json()["error"]["code"] == "unavailable"
