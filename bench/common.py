"""What several benchmarks share: the one-document shipping bot, and waiting for a server."""

from __future__ import annotations

import http.client
import time

import knowledge
from app import create_app
from models import Bot, db
from services.keys import create_key

SHIPPING = "Orders ship within two business days. International shipping takes seven to ten days."


def shipping_bot(database: str, model: str, kind: str = "secret", **key: object) -> str:
    """Empty the database, create a bot with one shipping document and a key; return it."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        bot = Bot(name="Bench", model=model, widget={})
        db.session.add(bot)
        db.session.commit()
        knowledge.add_text(bot.id, "Shipping", SHIPPING)
        secret = create_key(bot, kind, **key)[1]  # type: ignore[arg-type]
        db.session.remove()
        db.engine.dispose()
        return secret


def wait_for(port: int, seconds: float = 30.0) -> None:
    """Wait until a server on loopback answers GET /widget.js."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/widget.js")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server on port {port} did not start")
