"""GAE's limits and the checks made before any request, so bad input fails as it did on App Engine."""
import unicodedata
from typing import Optional, Union

from .errors import (
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

#: Longest token the gateway's socket protocol accepts; anything longer cannot be a token.
MAXIMUM_TOKEN_LENGTH = 512

Text = Union[str, bytes]


def _as_text(value: Text) -> str:
    """``str`` as is; ``bytes`` (code ported from Python 2) decoded as UTF-8, strictly."""
    return value.decode('utf-8') if isinstance(value, bytes) else value


def _utf8_length(text: str) -> Optional[int]:
    """Bytes of UTF-8, or None when the text holds a lone surrogate (it has no UTF-8 form)."""
    try:
        return len(text.encode('utf-8'))
    except UnicodeEncodeError:
        return None


def validate_client_id(client_id: object) -> str:
    """Returns the client ID as ``str``, or raises :class:`InvalidChannelClientIdError`."""
    if not isinstance(client_id, (str, bytes)):
        raise InvalidChannelClientIdError(f'{client_id!r} is not a string.')
    try:
        text = _as_text(client_id)
    except UnicodeDecodeError:
        raise InvalidChannelClientIdError('Client id is not valid UTF-8.') from None
    length = _utf8_length(text)
    if length is None:
        raise InvalidChannelClientIdError('Client id holds a lone surrogate, which has no UTF-8 form.')
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
    if not isinstance(message, (str, bytes)):
        raise InvalidMessageError('Message must be a string')
    try:
        text = _as_text(message)
    except UnicodeDecodeError:
        raise InvalidMessageError('Message is not valid UTF-8.') from None
    length = _utf8_length(text)
    if length is None:
        raise InvalidMessageError('Message holds a lone surrogate, which has no UTF-8 form.')
    if length > MAXIMUM_MESSAGE_LENGTH:
        raise InvalidMessageError(f'Message must be no longer than {MAXIMUM_MESSAGE_LENGTH} chars')
    return text


def validate_token(token: object) -> str:
    """Returns the token as ``str``, or raises :class:`InvalidTokenError` (the gateway would not know it)."""
    if not isinstance(token, (str, bytes)):
        raise InvalidTokenError(f'{type(token).__name__} is not a token: tokens are strings.')
    try:
        text = _as_text(token)
    except UnicodeDecodeError:
        raise InvalidTokenError('Token is not valid UTF-8.') from None
    if not text or len(text) > MAXIMUM_TOKEN_LENGTH or not text.isascii() or not text.isprintable():
        raise InvalidTokenError('Token must be 1 to 512 printable ASCII characters.')
    return text
