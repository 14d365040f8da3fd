"""GAE's limits and the checks made before any request, so bad input fails as it did on App Engine."""
import unicodedata
from typing import Optional, Tuple, Type, Union

from .errors import (
    Error,
    InvalidChannelClientIdError,
    InvalidChannelTokenDurationError,
    InvalidMessageError,
    InvalidTokenError,
)

#: Longest client ID, in bytes of UTF-8.
MAXIMUM_CLIENT_ID_LENGTH = 256

#: Longest token lifetime, in minutes (one day).
MAXIMUM_TOKEN_DURATION_MINUTES = 1440

#: Longest message, in bytes of UTF-8.
MAXIMUM_MESSAGE_LENGTH = 32767

#: The lifetime of a token when ``duration_minutes`` is not given (GAE's default).
DEFAULT_TOKEN_DURATION_MINUTES = 120

#: Longest idempotency key the gateway accepts (visible ASCII only).
MAXIMUM_IDEMPOTENCY_KEY_LENGTH = 256

#: Longest token the gateway's socket protocol accepts; anything longer cannot be a token.
MAXIMUM_TOKEN_LENGTH = 512

Text = Union[str, bytes]


def _utf8_text(value: object, error: Type[Error], what: str, not_a_string: str) -> Tuple[str, int]:
    """``value`` as ``str`` with its length in bytes of UTF-8, or ``error``.

    ``bytes`` (code ported from Python 2, where GAE took ``str``) must be UTF-8; a ``str`` must not hold
    a lone surrogate, which has no UTF-8 form and so could not be sent.
    """
    if not isinstance(value, (str, bytes)):
        raise error(not_a_string)
    try:
        text = value.decode('utf-8') if isinstance(value, bytes) else value
        return text, len(text.encode('utf-8'))
    except UnicodeError:
        raise error(f'{what} is not valid UTF-8 (bytes that do not decode, or a lone surrogate).') from None


def validate_client_id(client_id: object) -> str:
    """Returns the client ID as ``str``, or raises :class:`InvalidChannelClientIdError`."""
    text, length = _utf8_text(client_id, InvalidChannelClientIdError, 'Client id', f'{client_id!r} is not a string.')
    if length == 0:
        raise InvalidChannelClientIdError('Client id must not be empty.')
    if length > MAXIMUM_CLIENT_ID_LENGTH:
        raise InvalidChannelClientIdError(
            f'Client id length {length} is greater than max length {MAXIMUM_CLIENT_ID_LENGTH}')
    if any(unicodedata.category(char) == 'Cc' for char in text):
        raise InvalidChannelClientIdError('Client id must not contain control characters.')
    return text


def validate_duration(duration_minutes: object) -> Optional[int]:
    """Returns the duration (None: the gateway's default), or raises :class:`InvalidChannelTokenDurationError`."""
    if duration_minutes is None:
        return None
    # bool is an int subclass, but True minutes is a bug in the caller, not a duration.
    if isinstance(duration_minutes, bool) or not isinstance(duration_minutes, int):
        raise InvalidChannelTokenDurationError('Argument duration_minutes must be integral')
    if duration_minutes < 1:
        raise InvalidChannelTokenDurationError('Argument duration_minutes must not be less than 1')
    if duration_minutes > MAXIMUM_TOKEN_DURATION_MINUTES:
        raise InvalidChannelTokenDurationError(
            f'Argument duration_minutes must be less than {MAXIMUM_TOKEN_DURATION_MINUTES + 1}')
    return duration_minutes


def validate_message(message: object) -> str:
    """Returns the message as ``str``, or raises :class:`InvalidMessageError`."""
    text, length = _utf8_text(message, InvalidMessageError, 'Message', 'Message must be a string')
    if length > MAXIMUM_MESSAGE_LENGTH:
        raise InvalidMessageError(f'Message must be no longer than {MAXIMUM_MESSAGE_LENGTH} chars')
    return text


def validate_token(token: object) -> str:
    """Returns the token as ``str``, or raises :class:`InvalidTokenError` (the gateway would not know it)."""
    text, length = _utf8_text(token, InvalidTokenError, 'Token', f'{type(token).__name__} is not a token.')
    if not 0 < length <= MAXIMUM_TOKEN_LENGTH or not text.isascii() or not text.isprintable():
        raise InvalidTokenError(f'Token must be 1 to {MAXIMUM_TOKEN_LENGTH} printable ASCII characters.')
    return text


def validate_idempotency_key(key: object) -> str:
    """Returns the key, or raises :class:`~channel_gateway.Error`: 1 to 256 visible ASCII characters."""
    if (not isinstance(key, str) or not 0 < len(key) <= MAXIMUM_IDEMPOTENCY_KEY_LENGTH
            or any(not '!' <= char <= '~' for char in key)):
        raise Error(f'An idempotency key must be 1 to {MAXIMUM_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters '
                    f'(got {key!r}).')
    return key
