"""Exceptions, with the hierarchy of ``google.appengine.api.channel``.

Every exception the package raises is an :class:`Error`, so ``except channel.Error`` catches all of
them, as it did on App Engine. The three ``Invalid...`` classes are raised before any request is made,
for the same inputs GAE refused. The gateway-specific classes below say why a call failed once it reached
(or tried to reach) the network.
"""
from typing import Optional


class Error(Exception):
    """Base class of every channel error."""


class InvalidChannelClientIdError(Error):
    """The client ID is not a string, is empty, too long or contains control characters."""


class InvalidChannelTokenDurationError(Error):
    """``duration_minutes`` is not an integer from 1 to ``MAXIMUM_TOKEN_DURATION_MINUTES``."""


class InvalidMessageError(Error):
    """The message is not a string or is longer than ``MAXIMUM_MESSAGE_LENGTH`` bytes of UTF-8."""


class InvalidTokenError(Error):
    """A value given as a token is not a string a gateway could have issued."""


class GatewayError(Error):
    """The gateway answered with an error status (its ``{"error": {...}}`` body is kept here).

    Attributes:
        status: the HTTP status (400, 401, 413, 503...).
        code: the gateway's error code (``invalid_field``, ``unauthorized``...), if any.
        field: the request field the error is about, if any.
    """

    def __init__(self, message: str, status: int, code: Optional[str] = None, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field


class GatewayUnavailableError(Error):
    """No answer within the deadline: the gateway is down, unreachable, too slow or answered 503.

    Raised only after the retries the deadline allowed; ``attempts`` says how many were made and
    ``__cause__`` holds the last underlying error.
    """

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class ConfigurationError(Error):
    """No gateway URL or API key was configured (``CHANNEL_GATEWAY_URL``, ``CHANNEL_GATEWAY_API_KEY``)."""


class InvalidPresenceError(Error):
    """A presence webhook whose signature is missing, wrong or too old, or whose body has no client ID."""
