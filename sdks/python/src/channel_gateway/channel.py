"""A drop-in for ``google.appengine.api.channel``, backed by a Channel Gateway.

Change ``from google.appengine.api import channel`` to ``from channel_gateway import channel`` and set
``CHANNEL_GATEWAY_URL`` and ``CHANNEL_GATEWAY_API_KEY`` (or call :func:`channel_gateway.configure`)::

    token = channel.create_channel(user_id)
    channel.send_message(user_id, json.dumps(state))

Names, defaults, limits and exceptions are GAE's, and bad input raises before any request is made.
What the gateway did with a message (``routed``, ``queued``, ``no_channel``) is returned by
:func:`send_message_result`; :func:`send_message` returns None, as on App Engine.

Send by token: GAE's ``send_message`` also took the token ``create_channel`` returned in place of the
client ID. Here ``send_message(token=token, message=...)`` says so explicitly. A positional value that has
exactly the shape of a gateway token (:func:`looks_like_token`: 43 characters of ``A-Z a-z 0-9 - _``) is
tried as a token first and, if the gateway knows no such token, sent as a client ID; any other value is a
client ID. Tokens hold 256 random bits, so a client ID of that shape is never mistaken for somebody else's
live token; it costs one extra request.
"""
from typing import Optional

from . import defaults
from .client import SendResult, looks_like_token
from .errors import (  # noqa: F401  (re-exported: these are GAE's names)
    Error,
    InvalidChannelClientIdError,
    InvalidChannelTokenDurationError,
    InvalidMessageError,
    InvalidPresenceError,
)
from .limits import (  # noqa: F401
    MAXIMUM_CLIENT_ID_LENGTH,
    MAXIMUM_MESSAGE_LENGTH,
    MAXIMUM_TOKEN_DURATION_MINUTES,
    Text,
    validate_client_id,
    validate_duration,
    validate_message,
    validate_token,
)
from .presence import ChannelPresence, Headers
from .presence import parse_presence as _parse_presence

__all__ = [
    'Error', 'InvalidChannelClientIdError', 'InvalidChannelTokenDurationError', 'InvalidMessageError',
    'InvalidPresenceError', 'MAXIMUM_CLIENT_ID_LENGTH', 'MAXIMUM_MESSAGE_LENGTH',
    'MAXIMUM_TOKEN_DURATION_MINUTES', 'create_channel', 'send_message', 'send_message_result',
    'parse_presence', 'looks_like_token', 'ChannelPresence',
]


def create_channel(client_id: Text, duration_minutes: Optional[int] = None) -> str:
    """Creates a channel for ``client_id`` and returns its token, for ``new goog.appengine.Channel(token)``.

    Args:
        client_id: the client's ID, 1 to ``MAXIMUM_CLIENT_ID_LENGTH`` bytes of UTF-8.
        duration_minutes: the token's lifetime, 1 to ``MAXIMUM_TOKEN_DURATION_MINUTES`` (default 120).

    Raises:
        InvalidChannelClientIdError, InvalidChannelTokenDurationError: bad arguments (no request made).
        Error: the gateway refused the request or did not answer within the deadline.
    """
    # Checked here too, so bad input fails as on GAE even before the gateway is configured.
    validate_client_id(client_id)
    validate_duration(duration_minutes)
    return defaults.client().create_channel(client_id, duration_minutes).token


def send_message_result(client_id: Optional[Text] = None, message: Optional[Text] = None, *,
                        token: Optional[Text] = None, idempotency_key: Optional[str] = None) -> SendResult:
    """:func:`send_message`, returning what the gateway did (``result.status``, ``result.client_id``)."""
    # GAE's order: the recipient is checked first, then the message; both before any request.
    if token is not None:
        if client_id is not None:
            raise Error('Give client_id or token, not both.')
        recipient = validate_token(token)
        text = validate_message(message)
        return defaults.client().send_to_token(recipient, text, idempotency_key=idempotency_key)
    recipient = validate_client_id(client_id)
    text = validate_message(message)
    return defaults.client().send_to_id_or_token(recipient, text, idempotency_key=idempotency_key)


def send_message(client_id: Optional[Text] = None, message: Optional[Text] = None, *,
                 token: Optional[Text] = None, idempotency_key: Optional[str] = None) -> None:
    """Sends ``message`` to the client with ``client_id`` (or holding ``token``).

    As on App Engine, no error is raised when the message cannot be delivered (the client has no live
    channel); :func:`send_message_result` says so. Messages are delivered byte for byte; JSON-encode
    structured data, as GAE advised.

    Raises:
        InvalidChannelClientIdError, InvalidMessageError: bad arguments (no request made).
        Error: the gateway refused the request or did not answer within the deadline.
    """
    send_message_result(client_id, message, token=token, idempotency_key=idempotency_key)


def parse_presence(headers: Headers, body: bytes, secret: Optional[str] = None, *,
                   path: Optional[str] = None) -> ChannelPresence:
    """Verifies a ``/_ah/channel/connected/`` or ``/disconnected/`` request; returns its client ID.

    ``secret`` defaults to ``CHANNEL_GATEWAY_WEBHOOK_SECRET`` (or ``configure(webhook_secret=...)``).
    Raises :class:`InvalidPresenceError` when the request is not a valid, recent, signed webhook.
    """
    return _parse_presence(headers, body, secret or defaults.webhook_secret(), path=path)
