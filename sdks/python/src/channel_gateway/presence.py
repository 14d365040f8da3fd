"""Presence webhooks: ``POST /_ah/channel/connected/`` and ``/disconnected/`` with the client ID in ``from``.

The gateway signs each request with ``CG_WEBHOOK_SECRET``: ``X-Channel-Signature-V2: v2=<hex>``, the
HMAC-SHA256 of ``v2.<X-Channel-Timestamp>.<event>.<X-Channel-Event-Id>.<raw body>``, binds the event
(connected or disconnected) and the event's ID to the body, so a captured delivery is refused at the other
path. This version requires v2; ``X-Channel-Signature: v1=<hex>`` (over ``<timestamp>.<body>`` only) is
still sent for verifiers of the earlier format and is ignored here. Verify against the raw body, before
any form parsing; old timestamps are refused so that a captured request cannot be replayed later, and
inside that window the same event ID may come again (a retry, or a replay): handle it once.
"""
import email.parser
import email.policy
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from typing import Any, Optional, Union, cast
from urllib.parse import parse_qs

from .errors import InvalidPresenceError

#: Oldest (or furthest in the future) timestamp accepted, in seconds.
DEFAULT_TOLERANCE_SECONDS = 300.0

CONNECTED_PATH = '/_ah/channel/connected/'
DISCONNECTED_PATH = '/_ah/channel/disconnected/'

# Mappings, (name, value) pairs, email.message.Message (http.server), framework header objects, environs.
Headers = Any

_TIMESTAMP = re.compile(r'\d{1,16}')
_SIGNATURE = re.compile(r'v2=([0-9a-fA-F]{64})')
_EVENT_ID = re.compile(r'[A-Za-z0-9_-]{1,64}')
_EVENTS = ('connected', 'disconnected')


@dataclass(frozen=True)
class ChannelPresence:
    """One verified presence webhook.

    Attributes:
        client_id: the client that connected or disconnected (the ``from`` field).
        connected: True for ``/_ah/channel/connected/``, False for ``/disconnected/``.
        event_id: the gateway's ``X-Channel-Event-Id``; a redelivery carries the same one.
        event_time: when it happened (``X-Channel-Event-Time``): retries can reorder deliveries, so an
            app that keeps presence state should ignore an event older than the last one it applied.
    """

    client_id: str
    connected: bool
    event_id: Optional[str] = None
    event_time: Optional[datetime] = None


def verify_webhook_signature(secret: str, timestamp: Optional[str], signature: Optional[str],
                             body: Union[bytes, str], *, event: Optional[str] = None,
                             event_id: Optional[str] = None, tolerance: float = DEFAULT_TOLERANCE_SECONDS,
                             now: Optional[float] = None) -> bool:
    """True when ``signature`` is the gateway's v2 signature of this event, event ID and body at ``timestamp``,
    and it is recent.

    Args:
        secret: ``CG_WEBHOOK_SECRET``.
        timestamp: the ``X-Channel-Timestamp`` header (milliseconds since the epoch).
        signature: the ``X-Channel-Signature-V2`` header (``v2=<hex>``); a v1 signature is refused.
        body: the raw request body, exactly as received.
        event: ``'connected'`` or ``'disconnected'``, as the path the request came to says. Required
            (keyword-only and optional only so that the signature of this function did not change).
        event_id: the ``X-Channel-Event-Id`` header. Required.
        tolerance: seconds a timestamp may be away from ``now``.
        now: seconds since the epoch (default: the current time).
    """
    if not secret or not timestamp or not signature or not _TIMESTAMP.fullmatch(timestamp):
        return False
    if event not in _EVENTS or not event_id or not _EVENT_ID.fullmatch(event_id):
        return False
    match = _SIGNATURE.fullmatch(signature.strip())
    if not match:
        return False
    current = time.time() if now is None else now
    if abs(current * 1000 - int(timestamp)) > tolerance * 1000:
        return False
    raw = body.encode('utf-8') if isinstance(body, str) else body
    signed = f'v2.{timestamp}.{event}.{event_id}.'.encode('ascii') + raw
    expected = hmac.new(secret.encode('utf-8'), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(1).lower())


def header(headers: Headers, name: str) -> Optional[str]:
    """A request header by name, from whatever the web framework hands over.

    Accepts case-insensitive header objects (webapp2, Flask, Django's ``request.headers``,
    ``http.server``'s ``self.headers``), plain dicts in any casing, ``(name, value)`` pairs and a WSGI
    ``environ`` (``HTTP_X_CHANNEL_SIGNATURE``, ``CONTENT_TYPE``).
    """
    wanted = name.lower()
    cgi_name = name.upper().replace('-', '_')
    candidates = (name, wanted, cgi_name if wanted == 'content-type' else 'HTTP_' + cgi_name)
    if hasattr(headers, 'get'):
        for key in candidates:
            value = headers.get(key)
            if value is not None:
                return str(value)
    items = headers.items() if hasattr(headers, 'items') else headers
    for key, value in items:
        if isinstance(key, str) and key.lower() in (wanted, candidates[2].lower()):
            return str(value)
    return None


def form_field(content_type: Optional[str], body: bytes, name: str) -> Optional[str]:
    """The value of one field of a form body, urlencoded (the default) or ``multipart/form-data``."""
    media = (content_type or '').split(';', 1)[0].strip().lower()
    if media == 'multipart/form-data':
        # The email package reads MIME multipart bodies; form-data is one (RFC 7578).
        preamble = b'Content-Type: ' + (content_type or '').encode('latin-1') + b'\r\n\r\n'
        message = cast(EmailMessage, email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(preamble + body))
        if not message.is_multipart():
            return None
        for part in message.iter_parts():
            if part.get_param('name', header='content-disposition') == name:
                payload = part.get_payload(decode=True) or b''
                return payload.decode(part.get_content_charset() or 'utf-8')
        return None
    try:
        values = parse_qs(body.decode('utf-8'), keep_blank_values=True, errors='strict').get(name)
    except UnicodeDecodeError:
        return None
    return values[0] if values else None


def _event(headers: Headers, path: Optional[str]) -> str:
    by_header = header(headers, 'X-Channel-Event')
    by_path = None
    if path is not None:
        if path.rstrip('/').endswith('/_ah/channel/connected'):
            by_path = 'connected'
        elif path.rstrip('/').endswith('/_ah/channel/disconnected'):
            by_path = 'disconnected'
    if by_header is not None and by_path is not None and by_header != by_path:
        raise InvalidPresenceError(f'X-Channel-Event says {by_header!r} but the request came to {path!r}')
    event = by_path or by_header
    if event not in _EVENTS:
        raise InvalidPresenceError(
            'Not a presence webhook: no X-Channel-Event header and the path is neither '
            f'{CONNECTED_PATH} nor {DISCONNECTED_PATH}')
    return event


def parse_presence(headers: Headers, body: Union[bytes, str], secret: str, *, path: Optional[str] = None,
                   tolerance: float = DEFAULT_TOLERANCE_SECONDS, now: Optional[float] = None) -> ChannelPresence:
    """Verifies a presence webhook and returns who connected or disconnected.

    Args:
        headers: the request headers (see :func:`header` for what is accepted).
        body: the raw request body; form-urlencoded (the gateway's default) or multipart/form-data.
        secret: ``CG_WEBHOOK_SECRET``.
        path: the request path. Give it: it decides connected/disconnected, and the v2 signature must
            be for that event, so a delivery replayed to the other path is refused. Without it the
            (signed) ``X-Channel-Event`` header decides, and the caller must check ``connected``.

    Raises:
        InvalidPresenceError: the v2 signature is missing, wrong (for this event, event ID and body) or
            outside ``tolerance``, or the request is not a presence webhook.
    """
    raw = body.encode('utf-8') if isinstance(body, str) else bytes(body)
    event = _event(headers, path)
    event_id = header(headers, 'X-Channel-Event-Id')
    timestamp = header(headers, 'X-Channel-Timestamp')
    if not verify_webhook_signature(secret, timestamp, header(headers, 'X-Channel-Signature-V2'), raw,
                                    event=event, event_id=event_id, tolerance=tolerance, now=now):
        raise InvalidPresenceError(
            f'Presence webhook refused: the v2 signature (X-Channel-Signature-V2) is missing, too old, or not '
            f'that of a {event} event with this X-Channel-Event-Id and body')
    connected = event == 'connected'
    client_id = form_field(header(headers, 'Content-Type'), raw, 'from')
    if not client_id:
        raise InvalidPresenceError('Presence webhook body has no "from" field')
    event_time = header(headers, 'X-Channel-Event-Time')
    when = None
    if event_time is not None and _TIMESTAMP.fullmatch(event_time):
        when = datetime.fromtimestamp(int(event_time) / 1000, tz=timezone.utc)
    return ChannelPresence(client_id, connected, event_id, when)
