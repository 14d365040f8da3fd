"""Presence webhooks: ``POST /_ah/channel/connected/`` and ``/disconnected/`` with the client ID in ``from``.

The gateway signs each request: ``X-Channel-Timestamp: <ms>`` and ``X-Channel-Signature: v1=<hex>``, the
HMAC-SHA256 of ``<timestamp>.<raw body>`` with ``CG_WEBHOOK_SECRET``. Verify against the raw body, before
any form parsing, and refuse old timestamps so that a captured request cannot be replayed later.
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
_SIGNATURE = re.compile(r'v1=([0-9a-fA-F]{64})')


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
                             body: Union[bytes, str], *, tolerance: float = DEFAULT_TOLERANCE_SECONDS,
                             now: Optional[float] = None) -> bool:
    """True when ``signature`` is the gateway's signature of ``body`` at ``timestamp``, and it is recent.

    Args:
        secret: ``CG_WEBHOOK_SECRET``.
        timestamp: the ``X-Channel-Timestamp`` header (milliseconds since the epoch).
        signature: the ``X-Channel-Signature`` header (``v1=<hex>``).
        body: the raw request body, exactly as received.
        tolerance: seconds a timestamp may be away from ``now``.
        now: seconds since the epoch (default: the current time).
    """
    if not secret or not timestamp or not signature or not _TIMESTAMP.fullmatch(timestamp):
        return False
    match = _SIGNATURE.fullmatch(signature.strip())
    if not match:
        return False
    current = time.time() if now is None else now
    if abs(current * 1000 - int(timestamp)) > tolerance * 1000:
        return False
    raw = body.encode('utf-8') if isinstance(body, str) else body
    expected = hmac.new(secret.encode('utf-8'), timestamp.encode('ascii') + b'.' + raw, hashlib.sha256).hexdigest()
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


def _event(headers: Headers, path: Optional[str]) -> bool:
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
    if event not in ('connected', 'disconnected'):
        raise InvalidPresenceError(
            'Not a presence webhook: no X-Channel-Event header and the path is neither '
            f'{CONNECTED_PATH} nor {DISCONNECTED_PATH}')
    return event == 'connected'


def parse_presence(headers: Headers, body: Union[bytes, str], secret: str, *, path: Optional[str] = None,
                   tolerance: float = DEFAULT_TOLERANCE_SECONDS, now: Optional[float] = None) -> ChannelPresence:
    """Verifies a presence webhook and returns who connected or disconnected.

    Args:
        headers: the request headers (see :func:`header` for what is accepted).
        body: the raw request body; form-urlencoded (the gateway's default) or multipart/form-data.
        secret: ``CG_WEBHOOK_SECRET``.
        path: the request path; when given it decides connected/disconnected (it must agree with
            ``X-Channel-Event``).

    Raises:
        InvalidPresenceError: the signature is missing, wrong or outside ``tolerance``, or the request
            is not a presence webhook.
    """
    raw = body.encode('utf-8') if isinstance(body, str) else bytes(body)
    timestamp = header(headers, 'X-Channel-Timestamp')
    if not verify_webhook_signature(secret, timestamp, header(headers, 'X-Channel-Signature'), raw,
                                    tolerance=tolerance, now=now):
        raise InvalidPresenceError('Presence webhook signature is missing, wrong or too old')
    connected = _event(headers, path)
    client_id = form_field(header(headers, 'Content-Type'), raw, 'from')
    if not client_id:
        raise InvalidPresenceError('Presence webhook body has no "from" field')
    event_time = header(headers, 'X-Channel-Event-Time')
    when = None
    if event_time is not None and _TIMESTAMP.fullmatch(event_time):
        when = datetime.fromtimestamp(int(event_time) / 1000, tz=timezone.utc)
    return ChannelPresence(client_id, connected, header(headers, 'X-Channel-Event-Id'), when)
