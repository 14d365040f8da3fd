"""The gateway's API with everything it answers: the richer counterpart of the GAE-style functions."""
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote

from .errors import Error, GatewayError
from .limits import (
    MAXIMUM_IDEMPOTENCY_KEY_LENGTH,
    Text,
    validate_client_id,
    validate_duration,
    validate_idempotency_key,
    validate_message,
    validate_token,
)
from .settings import Settings
from .transport import Transport

#: Statuses of a send: ``routed`` (the node holding the socket has it), ``queued`` (the channel is live,
#: no socket is open; delivered when one opens), ``no_channel`` (no live token: dropped, as GAE did
#: silently), and for a batch item the gateway refused, ``invalid``.
ROUTED, QUEUED, NO_CHANNEL, INVALID = 'routed', 'queued', 'no_channel', 'invalid'

#: Most messages in one ``send_many`` request.
MAXIMUM_BATCH_SIZE = 1000

# What the gateway's tokens look like: 32 random bytes, base64url without padding.
_TOKEN_SHAPE = re.compile(r'[A-Za-z0-9_-]{43}')


def looks_like_token(value: object) -> bool:
    """True when ``value`` has the shape of a token the gateway issues: 43 characters of A-Z a-z 0-9 - _."""
    return isinstance(value, str) and _TOKEN_SHAPE.fullmatch(value) is not None


def _datetime(value: str) -> datetime:
    # fromisoformat() reads "Z" only from Python 3.11 on.
    return datetime.fromisoformat(value.replace('Z', '+00:00'))


def _timestamp(value: Optional[str]) -> Optional[datetime]:
    return None if value is None else _datetime(value)


@dataclass(frozen=True)
class NewChannel:
    """A created channel: give ``token`` to the browser (``new goog.appengine.Channel(token)``)."""

    client_id: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class SendResult:
    """What the gateway did with a message.

    Attributes:
        status: ``routed``, ``queued``, ``no_channel`` or (batch items only) ``invalid``.
        client_id: the recipient; for a send by token, the client ID the token belongs to (None when the
            token is unknown, expired or revoked).
        error: for ``invalid``, why the gateway refused the item.
    """

    status: str
    client_id: Optional[str] = None
    error: Optional[GatewayError] = None

    @property
    def delivered(self) -> bool:
        """True when the message reached the node holding the socket or waits in the client's buffer."""
        return self.status in (ROUTED, QUEUED)


@dataclass(frozen=True)
class Message:
    """One item of :meth:`Client.send_many`: exactly one of ``client_id`` and ``token``."""

    message: str
    client_id: Optional[str] = None
    token: Optional[str] = None
    idempotency_key: Optional[str] = None


@dataclass(frozen=True)
class ChannelInfo:
    """Presence of a client ID: ``found`` is False when it has no live channel."""

    client_id: str
    found: bool
    connected: bool
    expires_at: Optional[datetime] = None
    node: Optional[str] = None
    connected_at: Optional[datetime] = None

    @classmethod
    def from_json(cls, item: Any, found: bool = True) -> 'ChannelInfo':
        return cls(client_id=item['clientId'], found=item.get('found', found), connected=bool(item['connected']),
                   expires_at=_timestamp(item.get('expiresAt')), node=item.get('node'),
                   connected_at=_timestamp(item.get('connectedAt')))


def _key_or_new(key: Optional[str]) -> str:
    """The caller's idempotency key (checked later: an empty one is refused, not replaced), else a UUID4."""
    return str(uuid.uuid4()) if key is None else key


def _token_attempt_key(key: str) -> str:
    """The key of the token attempt in :meth:`Client.send_to_id_or_token`: derived from the caller's, so
    a retry repeats it, and different, so the client-ID send that may follow is not taken for a repeat."""
    derived = key + '#token'
    if len(derived) <= MAXIMUM_IDEMPOTENCY_KEY_LENGTH:
        return derived
    return 'token#' + hashlib.sha256(key.encode('ascii')).hexdigest()


def _batch_item(item: Union[Message, Tuple[str, str]], index: int) -> Dict[str, Any]:
    if isinstance(item, tuple):
        client_id, message = item
        item = Message(message=message, client_id=client_id)
    if not isinstance(item, Message):
        raise TypeError(f'messages[{index}] must be a Message or a (client_id, message) tuple')
    if (item.client_id is None) == (item.token is None):
        raise Error(f'messages[{index}] needs exactly one of client_id and token')
    body: Dict[str, Any] = {'message': validate_message(item.message)}
    if item.token is not None:
        body['token'] = validate_token(item.token)
    else:
        body['clientId'] = validate_client_id(item.client_id)
    # Each item its own key, so that a retried batch delivers every item once.
    body['idempotencyKey'] = validate_idempotency_key(_key_or_new(item.idempotency_key))
    return body


def _send_result(item: Any) -> SendResult:
    error = item.get('error')
    return SendResult(
        status=item['status'],
        client_id=item.get('clientId') or None,
        error=None if error is None else GatewayError(error.get('message', 'invalid item'), 400,
                                                      error.get('code'), error.get('field')))


class Client:
    """A gateway client. Thread-safe: it holds settings only, each call opens its own connection.

    >>> client = Client(url='https://gateway.example.com', api_key='...')
    >>> channel = client.create_channel('user-42')
    >>> client.send('user-42', '{"type": "hello"}').status
    'routed'
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, *,
                 timeout: Optional[float] = None, deadline: Optional[float] = None,
                 settings: Optional[Settings] = None) -> None:
        """Settings not given come from ``settings``, else from the environment (``CHANNEL_GATEWAY_URL``...)."""
        base = settings if settings is not None else Settings.from_environment()
        self.settings = base.updated(url=url, api_key=api_key, timeout=timeout, deadline=deadline)
        self._transport = Transport(self.settings)

    def create_channel(self, client_id: Text, duration_minutes: Optional[int] = None) -> NewChannel:
        """Issues a token for ``client_id``, valid ``duration_minutes`` (1...1440; default 120)."""
        body: Dict[str, Any] = {'clientId': validate_client_id(client_id)}
        duration = validate_duration(duration_minutes)
        if duration is not None:
            body['durationMinutes'] = duration
        _, answer = self._transport.call('POST', '/v1/channels', body)
        return NewChannel(answer['clientId'], answer['token'], _datetime(answer['expiresAt']))

    def send(self, client_id: Text, message: Text, *, idempotency_key: Optional[str] = None) -> SendResult:
        """Sends ``message`` to ``client_id``. A retry after a network fault reuses the idempotency key."""
        recipient = validate_client_id(client_id)
        body = {'message': validate_message(message)}
        headers = {'Idempotency-Key': validate_idempotency_key(_key_or_new(idempotency_key))}
        _, answer = self._transport.call('POST', f"/v1/channels/{quote(recipient, safe='')}/messages", body, headers)
        return SendResult(status=answer['status'], client_id=recipient)

    def send_to_token(self, token: Text, message: Text, *, idempotency_key: Optional[str] = None) -> SendResult:
        """Sends ``message`` to whoever holds ``token`` (a token ``create_channel`` returned).

        The result's ``client_id`` is the token's client ID, or None with status ``no_channel`` when the
        token is unknown, expired or revoked. Raises :class:`~channel_gateway.GatewayError` when the
        gateway is too old to send by token.
        """
        item = Message(message=validate_message(message), token=validate_token(token), idempotency_key=idempotency_key)
        [result] = self.send_many([item])
        if result.status == INVALID:
            raise result.error or GatewayError('the gateway refused a send by token', 400)
        return result

    def send_to_id_or_token(self, client_id_or_token: Text, message: Text, *,
                            idempotency_key: Optional[str] = None) -> SendResult:
        """GAE's rule: the recipient may be a client ID or a token ``create_channel`` returned.

        A value with the shape of a token (:func:`looks_like_token`) is sent as a token first; when the
        gateway knows no live token of that value (or predates sends by token), it is sent as a client ID.
        Any other value is a client ID. Tokens hold 256 random bits: a client ID of that shape is never
        taken for another client's live token; it costs one more request.
        """
        recipient = validate_client_id(client_id_or_token)
        text = validate_message(message)
        if looks_like_token(recipient):
            # Its own key: the gateway must not take the client-ID send that may follow for a repeat of it.
            token_key = None if idempotency_key is None else _token_attempt_key(idempotency_key)
            [result] = self.send_many([Message(message=text, token=recipient, idempotency_key=token_key)])
            if result.status not in (NO_CHANNEL, INVALID):
                return result
        return self.send(recipient, text, idempotency_key=idempotency_key)

    def send_many(self, messages: Iterable[Union[Message, Tuple[str, str]]]) -> List[SendResult]:
        """Sends up to 1000 messages in one request; one result per item, in order.

        Items are :class:`Message` objects or ``(client_id, message)`` tuples. Each item is validated
        here first (an invalid one raises before anything is sent); the gateway still answers ``invalid``
        for an item it refuses, without failing the others. Each item carries an idempotency key (its
        ``idempotency_key``, else a fresh UUID4) that a retry of the request repeats.
        """
        items = [_batch_item(item, index) for index, item in enumerate(messages)]
        if not 1 <= len(items) <= MAXIMUM_BATCH_SIZE:
            raise Error(f'send_many takes 1 to {MAXIMUM_BATCH_SIZE} messages (got {len(items)})')
        _, answer = self._transport.call('POST', '/v1/messages', {'messages': items})
        return [_send_result(item) for item in answer['results']]

    def get_channel(self, client_id: str) -> Optional[ChannelInfo]:
        """Presence of one client ID, or None when it has no live channel."""
        status, answer = self._transport.call(
            'GET', f"/v1/channels/{quote(validate_client_id(client_id), safe='')}", not_found_ok=True)
        return None if status == 404 else ChannelInfo.from_json(answer)

    def presence(self, client_ids: Sequence[str]) -> List[ChannelInfo]:
        """Presence of up to 1000 client IDs in one request, in order."""
        ids = [validate_client_id(client_id) for client_id in client_ids]
        if not 1 <= len(ids) <= MAXIMUM_BATCH_SIZE:
            raise Error(f'presence takes 1 to {MAXIMUM_BATCH_SIZE} client IDs (got {len(ids)})')
        _, answer = self._transport.call('POST', '/v1/presence', {'clientIds': ids})
        return [ChannelInfo.from_json(item) for item in answer['results']]

    def delete_channel(self, client_id: str) -> bool:
        """Revokes every token of ``client_id`` and closes its socket; False when it had no live channel."""
        status, _ = self._transport.call(
            'DELETE', f"/v1/channels/{quote(validate_client_id(client_id), safe='')}", not_found_ok=True)
        return status != 404
