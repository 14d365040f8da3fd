"""Tic-Tac-Toe, the App Engine Channel API sample, on the Python standard library and a Channel Gateway.

The only change a GAE app needs is the import (``from channel_gateway import channel``) and two settings;
this port also swaps webapp for ``http.server`` and the Datastore for memory, so it runs anywhere::

    CHANNEL_GATEWAY_URL=http://localhost:8080 CHANNEL_GATEWAY_API_KEY=tictactoe-key-0123456789 \\
    CHANNEL_GATEWAY_WEBHOOK_SECRET=0123456789abcdef python3 examples/tictactoe/main.py

Settings (environment): ``PORT`` (default 8090; 0 picks a free one), ``HOST`` (127.0.0.1), and
``GATEWAY_BROWSER_URLS``: the gateway base URL(s) pages load ``/_ah/channel/jsapi`` from, default
``CHANNEL_GATEWAY_URL``. Give your load balancer's URL; several URLs are dealt out to pages in turn
(the tests use this to put the two players on two gateway nodes).
"""
import html
import itertools
import json
import os
import secrets
import sys
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'sdks', 'python', 'src'))

from channel_gateway import channel  # noqa: E402  (was: from google.appengine.api import channel)
from game import GameStore  # noqa: E402

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'index.html')

games = GameStore()
_configured_urls = os.environ.get('GATEWAY_BROWSER_URLS') or os.environ.get('CHANNEL_GATEWAY_URL') or ''
_browser_urls = itertools.cycle([url.strip().rstrip('/') for url in _configured_urls.split(',') if url.strip()] or [''])


def script_value(value: object) -> str:
    """A JSON literal that is safe inside a <script> element."""
    return json.dumps(value).replace('<', '\\u003c').replace('\u2028', '\\u2028').replace('\u2029', '\\u2029')


def render(**values: str) -> bytes:
    """Fills ``{{ name }}`` in index.html (GAE's sample used a Django template)."""
    with open(TEMPLATE, encoding='utf-8') as template:
        page = template.read()
    for name, value in values.items():
        page = page.replace('{{ ' + name + ' }}', value)
    return page.encode('utf-8')


class TicTacToeHandler(BaseHTTPRequestHandler):
    """Routes as the GAE sample's webapp handlers: /, /opened, /move and the two presence paths."""

    server_version = 'TicTacToe/1.0'

    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def _guarded(self, handle: Callable[[], None]) -> None:
        try:
            handle()
        except channel.Error as error:  # the gateway is down or refused: say so, do not hang the page
            self.log_message('channel error: %s', error)
            self._reply(503, b'The channel service is unavailable; try again.')

    def _get(self) -> None:
        url = urlsplit(self.path)
        if url.path != '/':
            self._reply(404, b'not found')
            return
        user, new_user = self._user()
        game_key = parse_qs(url.query).get('g', [''])[0]
        with games.lock:
            game = games.get(game_key)
            if game is None:
                game = games.create(user)
                self._redirect(f'/?g={game.key}', user if new_user else None)
                return
            if game.user_o is None and user != game.user_x:
                game.user_o = user
            if user not in game.players():
                self._reply(403, b'This game already has two players.')
                return
            token = channel.create_channel(game.client_id(user))
            initial = game.message()
        page = render(
            jsapi_url=html.escape(next(_browser_urls) + '/_ah/channel/jsapi', quote=True),
            token=script_value(token),
            me=script_value(user),
            game_key=script_value(game.key),
            game_link=html.escape(f'/?g={game.key}'),
            initial_message=script_value(initial),
        )
        self._reply(200, page, 'text/html; charset=utf-8', user if new_user else None)

    def _post(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        if url.path in ('/_ah/channel/connected/', '/_ah/channel/disconnected/'):
            self._presence(url.path, body)
            return
        query = parse_qs(url.query)
        game = games.get(query.get('g', [''])[0])
        user, _ = self._user()
        if game is None or user not in game.players():
            self._reply(404, b'no such game')
            return
        with games.lock:
            if url.path == '/opened':
                game.send_update()
            elif url.path == '/move':
                position = query.get('i', [''])[0]
                if position.isdigit() and game.move(int(position), user):
                    game.send_update()
            else:
                self._reply(404, b'not found')
                return
        self._reply(200, b'ok')

    def _presence(self, path: str, body: bytes) -> None:
        """GAE posted these when a client connected or left; the gateway signs them."""
        try:
            presence = channel.parse_presence(self.headers, body, path=path)
        except channel.InvalidPresenceError as error:
            self._reply(403, str(error).encode('utf-8'))
            return
        with games.lock:
            game = games.by_client_id(presence.client_id)
            if game is not None:
                game.online[presence.client_id] = presence.connected
                game.send_update()
        self._reply(200, b'ok')

    def _user(self) -> Tuple[str, bool]:
        """The visitor's ID from a cookie (GAE used Google accounts); a new one for a new visitor."""
        cookie: 'SimpleCookie[str]' = SimpleCookie(self.headers.get('Cookie', ''))
        if 'user' in cookie and cookie['user'].value.isalnum():
            return cookie['user'].value, False
        return secrets.token_hex(8), True

    def _redirect(self, location: str, new_user: Optional[str]) -> None:
        self.send_response(303)
        self.send_header('Location', location)
        self._cookie(new_user)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def _reply(self, status: int, body: bytes, content_type: str = 'text/plain; charset=utf-8',
               new_user: Optional[str] = None) -> None:
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Cache-Control', 'no-store')
        self._cookie(new_user)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _cookie(self, new_user: Optional[str]) -> None:
        if new_user:
            self.send_header('Set-Cookie', f'user={new_user}; Path=/; HttpOnly; SameSite=Lax')

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f'{self.address_string()} {format % args}\n')


def main() -> None:
    host = os.environ.get('HOST', '127.0.0.1')
    server = ThreadingHTTPServer((host, int(os.environ.get('PORT', '8090'))), TicTacToeHandler)
    print(f'Tic-Tac-Toe listening on http://{host}:{server.server_address[1]}', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == '__main__':
    main()
