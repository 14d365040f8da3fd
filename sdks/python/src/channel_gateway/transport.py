"""JSON over HTTP with urllib: one attempt at a time, retried with jittered backoff within a deadline.

A retry is safe for sends because each carries an ``Idempotency-Key`` (the gateway delivers a repeated
key once); creating a channel twice only adds a token that expires unused; the other calls are reads
or deletes, which can be repeated.
"""
import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Mapping, Optional, Tuple

from . import __version__
from .errors import GatewayError, GatewayUnavailableError
from .settings import Settings

#: Statuses a load balancer or a gateway without Redis gives while the fault may pass.
RETRIED_STATUSES = frozenset({502, 503, 504})

#: First backoff, and the most any one backoff waits (seconds); each wait is uniform in [0, limit).
BACKOFF_BASE = 0.1
BACKOFF_CAP = 2.0

USER_AGENT = f'channel-gateway-python/{__version__}'


class _Retry(Exception):
    """An attempt failed in a way that may pass: try again if the deadline allows."""


def _error_from(status: int, body: bytes) -> GatewayError:
    try:
        error = json.loads(body.decode('utf-8')).get('error', {})
        message, code, field = error.get('message'), error.get('code'), error.get('field')
    except (ValueError, AttributeError, UnicodeDecodeError):
        message, code, field = None, None, None
    text = message if isinstance(message, str) else body[:200].decode('utf-8', 'replace') or 'no body'
    return GatewayError(f'gateway answered {status}: {text}', status,
                        code if isinstance(code, str) else None, field if isinstance(field, str) else None)


class Transport:
    """Makes API calls for a :class:`~channel_gateway.Client`."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        settings.check()
        self._settings = settings
        self._base_url = (settings.url or '').rstrip('/')
        self._clock = clock
        self._sleep = sleep

    def call(self, method: str, path: str, body: Optional[Any] = None,
             headers: Optional[Mapping[str, str]] = None, not_found_ok: bool = False) -> Tuple[int, Any]:
        """Returns ``(status, decoded JSON or None)`` for a 2xx answer (or a 404 if ``not_found_ok``).

        Raises:
            GatewayError: the gateway refused the request (4xx other than 404, or a 5xx not retried).
            GatewayUnavailableError: no usable answer before the deadline.
        """
        deadline = self._clock() + self._settings.deadline
        attempts = 0
        while True:
            attempts += 1
            remaining = deadline - self._clock()
            try:
                timeout = min(self._settings.timeout, max(remaining, 0.001))
                return self._attempt(method, path, body, headers, timeout, not_found_ok)
            except _Retry as failure:
                last = failure
            # Full jitter: concurrent callers that failed together do not retry together.
            pause = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1)))
            if self._clock() + pause >= deadline:
                raise GatewayUnavailableError(
                    f'{method} {path}: no answer from the gateway at {self._settings.url} within '
                    f'{self._settings.deadline:g} s ({attempts} attempts; last: {last})', attempts) from last.__cause__
            self._sleep(pause)

    def _attempt(self, method: str, path: str, body: Optional[Any], headers: Optional[Mapping[str, str]],
                 timeout: float, not_found_ok: bool) -> Tuple[int, Any]:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode('utf-8')
        request = urllib.request.Request(self._base_url + path, data=data, method=method)
        request.add_header('Authorization', f'Bearer {self._settings.api_key}')
        request.add_header('Accept', 'application/json')
        request.add_header('User-Agent', USER_AGENT)
        if data is not None:
            request.add_header('Content-Type', 'application/json')
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as answer:
            status, raw = answer.code, answer.read()
            answer.close()
            if status in RETRIED_STATUSES:
                raise _Retry(f'HTTP {status}') from _error_from(status, raw)
            if status != 404 or not not_found_ok:
                raise _error_from(status, raw) from None
        except (urllib.error.URLError, http.client.HTTPException, socket.timeout, OSError) as failure:
            # Refused, reset, DNS, TLS, or no answer within the timeout: all may pass.
            reason = getattr(failure, 'reason', failure)
            raise _Retry(f'{type(reason).__name__}: {reason}') from failure
        if not raw:
            return status, None
        try:
            return status, json.loads(raw.decode('utf-8'))
        except ValueError:
            raise GatewayError(f'gateway answered {status} with a body that is not JSON', status) from None
