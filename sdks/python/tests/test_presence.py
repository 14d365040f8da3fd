"""Presence webhooks: real ones the gateway signed and delivered, and hand-made edge cases."""
import base64
import hashlib
import hmac
import os
import time
import unittest
from urllib.parse import urlencode

from gateway_env import WEBHOOK_SECRET, BrowserSocket, at_least, client, recorded_webhooks, unique, wait_until

import channel_gateway
from channel_gateway import channel


# The body format the gateway under test was started with (CG_WEBHOOK_BODY_FORMAT).
WEBHOOK_BODY_FORMAT = os.environ.get('CHANNEL_GATEWAY_TEST_WEBHOOK_BODY_FORMAT', 'urlencoded')
CONTENT_TYPES = {'urlencoded': 'application/x-www-form-urlencoded', 'multipart': 'multipart/form-data; boundary='}


def sign_v1(body: bytes, timestamp_ms: int, secret: str = WEBHOOK_SECRET) -> str:
    mac = hmac.new(secret.encode(), str(timestamp_ms).encode() + b'.' + body, hashlib.sha256)
    return 'v1=' + mac.hexdigest()


def sign(body: bytes, timestamp_ms: int, event: str = 'connected', event_id: str = '7',
         secret: str = WEBHOOK_SECRET) -> str:
    """The v2 signature, as documented: over ``v2.<timestamp>.<event>.<event id>.<body>``."""
    text = f'v2.{timestamp_ms}.{event}.{event_id}.'.encode() + body
    return 'v2=' + hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, content_type: str, event: str = 'connected', age: float = 0.0,
                   event_id: str = '7') -> dict:
    timestamp = int((time.time() - age) * 1000)
    return {'Content-Type': content_type, 'X-Channel-Timestamp': str(timestamp), 'X-Channel-Event-Id': event_id,
            'X-Channel-Signature': sign_v1(body, timestamp), 'X-Channel-Event': event,
            'X-Channel-Signature-V2': sign(body, timestamp, event, event_id)}


def multipart(fields: dict, boundary: str = '----cg-boundary-7MA4YWxkTrZu0gW') -> tuple:
    """A multipart/form-data body as GAE's production presence requests had."""
    lines = []
    for name, value in fields.items():
        lines += [f'--{boundary}', f'Content-Disposition: form-data; name="{name}"', '', value]
    lines += [f'--{boundary}--', '']
    return '\r\n'.join(lines).encode('utf-8'), f'multipart/form-data; boundary={boundary}'


class DeliveredWebhookTest(unittest.TestCase):
    """The gateway posts to the harness; the test verifies exactly what arrived."""

    def test_connected_then_disconnected(self) -> None:
        client_id = unique('presence é&=/ ')
        socket = BrowserSocket(client().create_channel(client_id).token, node=1)
        socket.wait_open()
        [connected] = wait_until(lambda: recorded_webhooks(client_id), 'the connected webhook')
        self.assertEqual(connected['path'], '/_ah/channel/connected/')
        self.assertTrue(connected['headers']['content-type'].startswith(CONTENT_TYPES[WEBHOOK_BODY_FORMAT]))
        presence = channel.parse_presence(connected['headers'], base64.b64decode(connected['bodyBase64']),
                                          WEBHOOK_SECRET, path=connected['path'])
        self.assertEqual((presence.client_id, presence.connected), (client_id, True))
        self.assertIsNotNone(presence.event_id)
        assert presence.event_time is not None
        self.assertLess(abs(presence.event_time.timestamp() - time.time()), 60)

        socket.close()
        webhooks = wait_until(lambda: at_least(2, recorded_webhooks(client_id)), 'the disconnected webhook')
        gone = webhooks[1]
        self.assertEqual(gone['path'], '/_ah/channel/disconnected/')
        presence = channel.parse_presence(gone['headers'], base64.b64decode(gone['bodyBase64']), WEBHOOK_SECRET)
        self.assertEqual((presence.client_id, presence.connected), (client_id, False))

    def test_secret_from_the_environment_and_wsgi_environ_headers(self) -> None:
        client_id = unique('wsgi')
        socket = BrowserSocket(client().create_channel(client_id).token, node=0)
        socket.wait_open()
        [webhook] = wait_until(lambda: recorded_webhooks(client_id), 'the connected webhook')
        socket.close()
        environ = {'HTTP_' + name.upper().replace('-', '_'): value for name, value in webhook['headers'].items()}
        environ['CONTENT_TYPE'] = environ.pop('HTTP_CONTENT_TYPE')
        channel_gateway.configure(webhook_secret=WEBHOOK_SECRET)
        try:
            presence = channel.parse_presence(environ, base64.b64decode(webhook['bodyBase64']))
        finally:
            channel_gateway.reset()
        self.assertEqual(presence.client_id, client_id)

    def test_a_tampered_delivery_is_refused(self) -> None:
        client_id = unique('tamper')
        socket = BrowserSocket(client().create_channel(client_id).token, node=0)
        socket.wait_open()
        [webhook] = wait_until(lambda: recorded_webhooks(client_id), 'the connected webhook')
        socket.close()
        body = base64.b64decode(webhook['bodyBase64'])
        with self.assertRaises(channel.InvalidPresenceError):
            channel.parse_presence(webhook['headers'], body + b'x', WEBHOOK_SECRET)
        with self.assertRaises(channel.InvalidPresenceError):
            channel.parse_presence(webhook['headers'], body, 'another-secret-of-16-chars')

    def _delivered(self, label: str) -> list:
        """The connected and disconnected webhooks of one socket, as the gateway delivered them."""
        client_id = unique(label)
        socket = BrowserSocket(client().create_channel(client_id).token, node=0)
        socket.wait_open()
        wait_until(lambda: recorded_webhooks(client_id), 'the connected webhook')
        socket.close()
        return wait_until(lambda: at_least(2, recorded_webhooks(client_id)), 'the disconnected webhook')

    def test_a_delivery_replayed_to_the_other_event_is_refused(self) -> None:
        connected, gone = self._delivered('replay')
        for webhook, other_path in ((connected, '/_ah/channel/disconnected/'), (gone, '/_ah/channel/connected/')):
            body = base64.b64decode(webhook['bodyBase64'])
            self.assertEqual(channel.parse_presence(webhook['headers'], body, WEBHOOK_SECRET,
                                                    path=webhook['path']).client_id, webhook['from'])
            other_event = other_path.split('/')[3]
            with self.subTest('to the other path'), self.assertRaises(channel.InvalidPresenceError):
                channel.parse_presence(webhook['headers'], body, WEBHOOK_SECRET, path=other_path)
            # The attacker rewrites X-Channel-Event to match the path too: v2 covers the event.
            rewritten = {**webhook['headers'], 'x-channel-event': other_event}
            with self.subTest('with X-Channel-Event rewritten'), self.assertRaises(channel.InvalidPresenceError):
                channel.parse_presence(rewritten, body, WEBHOOK_SECRET, path=other_path)
            with self.subTest('no path, X-Channel-Event rewritten'), self.assertRaises(channel.InvalidPresenceError):
                channel.parse_presence(rewritten, body, WEBHOOK_SECRET)

    def test_a_tampered_event_id_or_a_v1_only_signature_is_refused(self) -> None:
        for webhook in self._delivered('event-id'):
            body = base64.b64decode(webhook['bodyBase64'])
            headers = webhook['headers']
            self.assertRegex(headers['x-channel-event-id'], r'^[A-Za-z0-9_-]{1,64}$')
            self.assertRegex(headers['x-channel-signature'], r'^v1=[0-9a-f]{64}$')
            self.assertRegex(headers['x-channel-signature-v2'], r'^v2=[0-9a-f]{64}$')
            cases = {
                'another event ID': {**headers, 'x-channel-event-id': headers['x-channel-event-id'] + '0'},
                'no event ID': {k: v for k, v in headers.items() if k != 'x-channel-event-id'},
                'v1 only': {k: v for k, v in headers.items() if k != 'x-channel-signature-v2'},
                'v1 in the v2 header': {**headers, 'x-channel-signature-v2': headers['x-channel-signature']},
            }
            for label, changed in cases.items():
                with self.subTest(label), self.assertRaises(channel.InvalidPresenceError):
                    channel.parse_presence(changed, body, WEBHOOK_SECRET, path=webhook['path'])


class HandMadeWebhookTest(unittest.TestCase):
    def test_urlencoded_with_escaping(self) -> None:
        body = urlencode({'from': 'ü ser+1&x=y'}).encode()
        presence = channel.parse_presence(signed_headers(body, 'application/x-www-form-urlencoded'), body,
                                          WEBHOOK_SECRET)
        self.assertEqual((presence.client_id, presence.connected), ('ü ser+1&x=y', True))

    def test_multipart_as_gae_production_sent_it(self) -> None:
        body, content_type = multipart({'from': 'user-42 ü'})
        presence = channel.parse_presence(signed_headers(body, content_type, event='disconnected'), body,
                                          WEBHOOK_SECRET, path='/_ah/channel/disconnected/')
        self.assertEqual((presence.client_id, presence.connected), ('user-42 ü', False))

    def test_multipart_without_from_is_refused(self) -> None:
        body, content_type = multipart({'to': 'user-42'})
        with self.assertRaises(channel.InvalidPresenceError):
            channel.parse_presence(signed_headers(body, content_type), body, WEBHOOK_SECRET)

    def test_stale_and_future_timestamps_are_refused(self) -> None:
        body = b'from=user-1'
        for age in (301.0, -301.0):
            with self.subTest(age=age), self.assertRaises(channel.InvalidPresenceError):
                channel.parse_presence(signed_headers(body, 'application/x-www-form-urlencoded', age=age), body,
                                       WEBHOOK_SECRET)
        recent = signed_headers(body, 'application/x-www-form-urlencoded', age=290.0)
        self.assertEqual(channel.parse_presence(recent, body, WEBHOOK_SECRET).client_id, 'user-1')

    def test_bad_signatures_are_refused(self) -> None:
        body = b'from=user-1'
        good = signed_headers(body, 'application/x-www-form-urlencoded')
        v2 = 'X-Channel-Signature-V2'
        cases = {
            'missing signature': {k: v for k, v in good.items() if k != v2},
            'missing timestamp': {k: v for k, v in good.items() if k != 'X-Channel-Timestamp'},
            'missing event ID': {k: v for k, v in good.items() if k != 'X-Channel-Event-Id'},
            'no v2= prefix': {**good, v2: good[v2][3:]},
            'v1= prefix': {**good, v2: 'v1=' + good[v2][3:]},
            'truncated': {**good, v2: good[v2][:-2]},
            'both in one header': {**good, v2: good['X-Channel-Signature'] + ',' + good[v2]},
            'timestamp not a number': {**good, 'X-Channel-Timestamp': 'soon'},
            'other timestamp': {**good, 'X-Channel-Timestamp': str(int(good['X-Channel-Timestamp']) + 1)},
            'event ID with a dot': {**good, 'X-Channel-Event-Id': '7.'},
        }
        for label, headers in cases.items():
            with self.subTest(label), self.assertRaises(channel.InvalidPresenceError):
                channel.parse_presence(headers, body, WEBHOOK_SECRET)

    def test_event_must_agree_with_the_path(self) -> None:
        body = b'from=user-1'
        headers = signed_headers(body, 'application/x-www-form-urlencoded', event='connected')
        with self.assertRaises(channel.InvalidPresenceError):
            channel.parse_presence(headers, body, WEBHOOK_SECRET, path='/_ah/channel/disconnected/')
        del headers['X-Channel-Event']
        with self.assertRaises(channel.InvalidPresenceError):
            channel.parse_presence(headers, body, WEBHOOK_SECRET)
        self.assertTrue(channel.parse_presence(headers, body, WEBHOOK_SECRET,
                                               path='/_ah/channel/connected/').connected)
        # Signed for connected: refused at the other path even with no X-Channel-Event to disagree.
        with self.assertRaises(channel.InvalidPresenceError):
            channel.parse_presence(headers, body, WEBHOOK_SECRET, path='/_ah/channel/disconnected/')
        gone = signed_headers(body, 'application/x-www-form-urlencoded', event='disconnected')
        self.assertFalse(channel.parse_presence(gone, body, WEBHOOK_SECRET,
                                                path='/_ah/channel/disconnected/').connected)

    def test_verify_webhook_signature(self) -> None:
        body = b'from=user-1'
        now = time.time()
        timestamp = str(int(now * 1000))
        signature = sign(body, int(timestamp), 'disconnected', 'ev_9')
        given = {'event': 'disconnected', 'event_id': 'ev_9'}
        verify = channel_gateway.verify_webhook_signature
        self.assertTrue(verify(WEBHOOK_SECRET, timestamp, signature, body, **given))
        self.assertTrue(verify(WEBHOOK_SECRET, timestamp, signature.upper().replace('V2=', 'v2='), body.decode(),
                               **given))
        self.assertFalse(verify(WEBHOOK_SECRET, timestamp, signature, body, now=now + 301, **given))
        self.assertFalse(verify('', timestamp, signature, body, **given))
        self.assertFalse(verify(WEBHOOK_SECRET, timestamp, signature, body, event='connected', event_id='ev_9'))
        self.assertFalse(verify(WEBHOOK_SECRET, timestamp, signature, body, event='disconnected', event_id='ev_8'))
        self.assertFalse(verify(WEBHOOK_SECRET, timestamp, signature, body), 'without the event and its ID')
        self.assertFalse(verify(WEBHOOK_SECRET, timestamp, sign_v1(body, int(timestamp)), body, **given))

    def test_v2_fixed_vector(self) -> None:
        """The vector of packages/protocol/test/webhooks.test.ts."""
        self.assertTrue(channel_gateway.verify_webhook_signature(
            'a-webhook-secret', '1780000000000', 'v2=22df771e04c0e2420a2bb362d44651b083e11ff4f6992e33c8ab942dfcee5955',
            b'from=alice', event='connected', event_id='42', now=1_780_000_000.0))
