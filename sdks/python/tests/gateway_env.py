"""What the tests share: the cluster the runner started (see test/sdks/support/cluster.ts), and helpers.

The runner (``test/sdks/python.test.ts``) starts two gateway nodes on one Redis and a harness server,
and passes their addresses in the environment. Run by hand, after starting them, with::

    PYTHONPATH=sdks/python/src python3 -m unittest discover -s sdks/python/tests -v
"""
import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

# Importable without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

import channel_gateway  # noqa: E402

T = TypeVar('T')


def required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f'{name} is not set: run these tests through test/sdks/python.test.ts')
    return value


URL = required('CHANNEL_GATEWAY_URL')
API_KEY = required('CHANNEL_GATEWAY_API_KEY')
NODE_URLS = required('CHANNEL_GATEWAY_TEST_URLS').split(',')
SOCKET_URLS = required('CHANNEL_GATEWAY_TEST_SOCKET_URLS').split(',')
WEBHOOK_SECRET = required('CHANNEL_GATEWAY_TEST_WEBHOOK_SECRET')
HARNESS_URL = required('CHANNEL_GATEWAY_TEST_HARNESS_URL')
SILENT_URL = required('CHANNEL_GATEWAY_TEST_SILENT_URL')
DOWN_URL = required('CHANNEL_GATEWAY_TEST_DOWN_URL')


def unique(label: str) -> str:
    """A client ID no other test uses."""
    return f'{label}-{os.urandom(6).hex()}'


def wait_until(predicate: Callable[[], T], what: str, timeout: float = 10.0) -> T:
    """Polls ``predicate`` until it returns something truthy (the harness raises no events to wait on)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {what} (last value: {value!r})')
        time.sleep(0.05)


def at_least(count: int, items: List[Any]) -> List[Any]:
    """``items`` once it holds ``count`` of them, else an empty list (for :func:`wait_until`)."""
    return items if len(items) >= count else []


def _harness(method: str, path: str, body: Optional[Any] = None) -> Any:
    data = None if body is None else json.dumps(body).encode('utf-8')
    request = urllib.request.Request(HARNESS_URL + path, data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


class BrowserSocket:
    """A client socket held by the harness (the project's browser client), as a page would hold it."""

    def __init__(self, token: str, node: int = 1) -> None:
        self.id = _harness('POST', '/_test/sockets', {'token': token, 'url': SOCKET_URLS[node]})['id']

    def state(self) -> Any:
        return _harness('GET', f'/_test/sockets/{self.id}')

    def wait_open(self) -> None:
        wait_until(lambda: self.state()['open'], 'the socket to open')

    def wait_messages(self, count: int) -> List[str]:
        return wait_until(lambda: at_least(count, self.state()['messages']), f'{count} messages')

    def close(self) -> None:
        _harness('DELETE', f'/_test/sockets/{self.id}')


def recorded_webhooks(client_id: str) -> List[Any]:
    """The presence webhooks the gateway delivered to the harness for ``client_id``, oldest first."""
    from urllib.parse import quote
    return _harness('GET', f"/_test/webhooks?from={quote(client_id, safe='')}")['webhooks']


def client(**settings: Any) -> 'channel_gateway.Client':
    """A client on node A with short timeouts (tests must not wait 30 s for a failure)."""
    options: Dict[str, Any] = {'url': URL, 'api_key': API_KEY, 'timeout': 5.0, 'deadline': 10.0}
    options.update(settings)
    return channel_gateway.Client(**options)


class RecordingServer:
    """A local HTTP server that answers from a script of ``(status, json body)`` and records requests.

    For what the cluster cannot show: which headers a request carried and what a retry repeats.
    """

    def __init__(self, answers: List[Tuple[int, Any]]) -> None:
        self.requests: List[Tuple[str, str, dict, bytes]] = []
        recording = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length)
                recording.requests.append(
                    (self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status, payload = answers.pop(0) if len(answers) > 1 else answers[0]
                data = json.dumps(payload).encode('utf-8')
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self._server.server_address[1]}'
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
