"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sock import Sock
from flask_wtf import CSRFProtect

migrate = Migrate()
sock = Sock()
login_manager = LoginManager()
csrf = CSRFProtect()
# Per-client-IP limits are declared on routes; per-key limits use the same storage.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
