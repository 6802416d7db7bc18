"""Dashboard webhooks: add (secret shown once), delivery log, redeliver, disabled notice, delete."""

from __future__ import annotations

import re
from datetime import timedelta

from models import Webhook, WebhookDelivery, db, utcnow
from services.webhook_delivery import deliver_due_webhooks
from services.webhooks import emit_event
from tests import test_dashboard_support as support
from tests import test_webhooks

bot_id = support.bot_id
owner = support.owner
signed_in = support.signed_in
receiver = test_webhooks.receiver


def add(client, bot, url, events=("lead.created",)):
    return client.post(f"/dashboard/bots/{bot}/webhooks", data={"url": url, "events": list(events)})


def test_add_shows_secret_once_then_log_redeliver_and_delete(app, signed_in, bot_id, receiver):
    app.config.update(ALLOW_PRIVATE_URLS=True, WEBHOOK_DISABLE_AFTER=1)
    page = signed_in.get(f"/dashboard/bots/{bot_id}/webhooks")
    assert page.status_code == 200 and b"No webhooks yet" in page.data
    created = add(signed_in, bot_id, receiver.url)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r"whsec_[\w-]+", created.data.decode()).group(0)
    with app.app_context():
        hook = db.session.execute(db.select(Webhook)).scalar_one()
        assert hook.secret == secret and hook.events == ["lead.created"]
    assert secret not in signed_in.get(f"/dashboard/bots/{bot_id}/webhooks").data.decode()

    receiver.status = 503
    with app.app_context():
        emit_event(bot_id, "lead.created", {"bot_id": bot_id, "email": "v@example.com"})
        db.session.commit()
        deliver_due_webhooks()
        delivery_id = db.session.execute(db.select(WebhookDelivery.id)).scalar_one()
    html = signed_in.get(f"/dashboard/bots/{bot_id}/webhooks").data.decode()
    assert "This webhook was turned off" in html and "The receiver answered HTTP 503." in html
    assert "lead.created" in html and ">pending<" in html

    receiver.status = 200
    assert signed_in.post(f"/dashboard/bots/{bot_id}/webhooks/{hook.id}/enable").status_code == 302
    redo = f"/dashboard/bots/{bot_id}/webhooks/{hook.id}/deliveries/{delivery_id}"
    assert signed_in.post(redo).status_code == 302
    with app.app_context():
        assert deliver_due_webhooks(utcnow() + timedelta(seconds=1))["delivered"] == 1
    html = signed_in.get(f"/dashboard/bots/{bot_id}/webhooks").data.decode()
    assert ">delivered<" in html and "turned off" not in html
    assert len(receiver.hits) == 2

    assert signed_in.post(f"/dashboard/bots/{bot_id}/webhooks/{hook.id}/delete").status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Webhook.id))).scalar() == 0


def test_bad_url_and_private_targets_refused(app, signed_in, bot_id):
    assert add(signed_in, bot_id, "javascript:alert(1)").status_code == 400
    refused = add(signed_in, bot_id, "http://127.0.0.1:9/hook")
    assert refused.status_code == 400 and b"private or local" in refused.data
    assert add(signed_in, bot_id, "https://example.com/", events=()).status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Webhook.id))).scalar() == 0


def test_other_owners_webhooks_are_not_found(app, client, signed_in, bot_id):
    other = support.owned_bot(app, support.make_owner(app, "other@example.com"))
    assert signed_in.get(f"/dashboard/bots/{other}/webhooks").status_code == 404
    assert signed_in.post(f"/dashboard/bots/{bot_id}/webhooks/999/delete").status_code == 404
