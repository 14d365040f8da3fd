"""Where the gateway is and how long to wait for it: the environment, or one ``configure()`` call."""
import os
from dataclasses import dataclass, field, replace
from typing import Mapping, Optional

from .errors import ConfigurationError

#: Seconds one HTTP attempt may take (connect plus answer).
DEFAULT_TIMEOUT = 10.0

#: Seconds a call may take in all, retries included.
DEFAULT_DEADLINE = 30.0

URL_VARIABLE = 'CHANNEL_GATEWAY_URL'
API_KEY_VARIABLE = 'CHANNEL_GATEWAY_API_KEY'
WEBHOOK_SECRET_VARIABLE = 'CHANNEL_GATEWAY_WEBHOOK_SECRET'


@dataclass(frozen=True)
class Settings:
    """How a :class:`~channel_gateway.Client` reaches the gateway.

    Attributes:
        url: the gateway's base URL (``https://gateway.example.com``), any node or the load balancer.
        api_key: one of the gateway's ``CG_API_KEYS``.
        timeout: seconds one attempt may take.
        deadline: seconds a call may take in all; network errors, timeouts and 502/503/504 answers are
            retried with jittered exponential backoff until it passes.
        webhook_secret: the gateway's ``CG_WEBHOOK_SECRET``, to verify presence webhooks.
    """

    url: Optional[str] = None
    api_key: Optional[str] = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    webhook_secret: Optional[str] = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None) -> 'Settings':
        """``CHANNEL_GATEWAY_URL``, ``CHANNEL_GATEWAY_API_KEY`` and ``CHANNEL_GATEWAY_WEBHOOK_SECRET``."""
        env = os.environ if environ is None else environ
        return cls(
            url=env.get(URL_VARIABLE) or None,
            api_key=env.get(API_KEY_VARIABLE) or None,
            webhook_secret=env.get(WEBHOOK_SECRET_VARIABLE) or None,
        )

    def updated(self, **changes: object) -> 'Settings':
        """A copy with the given fields replaced (None leaves a field as it is)."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})

    def check(self) -> None:
        """Raises :class:`ConfigurationError` unless a request can be made with these settings."""
        if not self.url:
            raise ConfigurationError(
                f'No gateway URL: set {URL_VARIABLE} or call channel_gateway.configure(url=...).')
        if not self.url.startswith(('http://', 'https://')):
            raise ConfigurationError(f'The gateway URL must start with http:// or https:// (got {self.url!r}).')
        if not self.api_key:
            raise ConfigurationError(
                f'No API key: set {API_KEY_VARIABLE} or call channel_gateway.configure(api_key=...).')
        if not self.timeout > 0 or not self.deadline > 0:
            raise ConfigurationError('timeout and deadline must be positive numbers of seconds.')
