"""The process-wide client behind the GAE-style functions, built from the environment or ``configure()``."""
import threading
from typing import Optional

from .client import Client
from .errors import ConfigurationError
from .settings import WEBHOOK_SECRET_VARIABLE, Settings

_lock = threading.Lock()
_settings: Optional[Settings] = None
_client: Optional[Client] = None


def configure(url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: Optional[float] = None,
              deadline: Optional[float] = None, webhook_secret: Optional[str] = None) -> None:
    """Sets what the environment would (``CHANNEL_GATEWAY_URL``...); arguments not given keep their value.

    Args:
        url: the gateway's base URL (any node, or the load balancer in front of them).
        api_key: one of the gateway's ``CG_API_KEYS``.
        timeout: seconds one HTTP attempt may take (default 10).
        deadline: seconds a call may take with its retries (default 30).
        webhook_secret: ``CG_WEBHOOK_SECRET``, for :func:`channel.parse_presence`.
    """
    global _settings, _client
    with _lock:
        base = _settings if _settings is not None else Settings.from_environment()
        _settings = base.updated(url=url, api_key=api_key, timeout=timeout, deadline=deadline,
                                 webhook_secret=webhook_secret)
        _client = None


def reset() -> None:
    """Forgets ``configure()``: the next call reads the environment again (for tests)."""
    global _settings, _client
    with _lock:
        _settings = None
        _client = None


def settings() -> Settings:
    """The settings in effect."""
    with _lock:
        return _settings if _settings is not None else Settings.from_environment()


def client() -> Client:
    """The shared client (created on first use; raises ConfigurationError when nothing is configured)."""
    global _client
    with _lock:
        if _client is None:
            _client = Client(settings=_settings if _settings is not None else Settings.from_environment())
        return _client


def webhook_secret() -> str:
    secret = settings().webhook_secret
    if not secret:
        raise ConfigurationError(
            f'No webhook secret: set {WEBHOOK_SECRET_VARIABLE}, call configure(webhook_secret=...) '
            'or pass the secret.')
    return secret
