"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sock import Sock
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    """`limits`' memory storage, with expired counters swept by the hits themselves.

    The library's own starts a `threading.Timer` (a new thread) on nearly every hit
    to sweep expired counters 10 ms later, about a millisecond of each request. The
    counting is the library's unchanged: a counter past its expiry is dropped when it
    is read, so a sweep only bounds memory, and doing it at most once a second, in
    the hit that finds it due, keeps every count and reset time the same.
    """

    # Registered under the library's own scheme: `memory://` now resolves to this class.
    STORAGE_SCHEME = ["memory"]
    SWEEP_EVERY = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one the library starts; sweeps happen in hits from now on
        self.swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (the library's name)
        now = time.monotonic()
        if now - self.swept >= self.SWEEP_EVERY:
            self.swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]

    def __setstate__(self, state: dict[str, object]) -> None:
        super().__setstate__(state)
        self.timer.cancel()
        self.swept = time.monotonic()


migrate = Migrate()
sock = Sock()
login_manager = LoginManager()
csrf = CSRFProtect()
# Per-client-IP limits are declared on routes; per-key limits use the same storage.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
