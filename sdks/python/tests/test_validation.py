"""Bad input raises GAE's exception types before any request is made."""
import unittest

from gateway_env import RecordingServer

import channel_gateway
from channel_gateway import channel


class GaeNamesTest(unittest.TestCase):
    def test_limits_are_gaes(self) -> None:
        self.assertEqual(channel.MAXIMUM_CLIENT_ID_LENGTH, 256)
        self.assertEqual(channel.MAXIMUM_TOKEN_DURATION_MINUTES, 1440)
        self.assertEqual(channel.MAXIMUM_MESSAGE_LENGTH, 32767)

    def test_exceptions_have_gaes_hierarchy(self) -> None:
        for name in ('InvalidChannelClientIdError', 'InvalidChannelTokenDurationError', 'InvalidMessageError'):
            with self.subTest(name=name):
                self.assertTrue(issubclass(getattr(channel, name), channel.Error))
        self.assertTrue(issubclass(channel.Error, Exception))
        # Failures once on the network are channel errors too, so `except channel.Error` still catches all.
        self.assertTrue(issubclass(channel_gateway.GatewayError, channel.Error))
        self.assertTrue(issubclass(channel_gateway.GatewayUnavailableError, channel.Error))


class BadInputTest(unittest.TestCase):
    """Each case runs against a server that records requests: none may reach it."""

    def setUp(self) -> None:
        self.server = RecordingServer([(201, {'clientId': 'x', 'token': 't', 'expiresAt': '2030-01-01T00:00:00Z'})])
        channel_gateway.configure(url=self.server.url, api_key='key', timeout=1.0, deadline=2.0)

    def tearDown(self) -> None:
        channel_gateway.reset()
        self.server.close()
        self.assertEqual(self.server.requests, [], 'bad input must not make a request')

    def test_client_ids(self) -> None:
        cases = {
            'not a string': 42,
            'None': None,
            'empty': '',
            'too long': 'x' * 257,
            'too long in UTF-8 bytes (129 two-byte characters)': 'é' * 129,
            'control character': 'user\n1',
            'C1 control character': 'user\x851',
            'lone surrogate': 'user\ud800',
            'bytes that are not UTF-8': b'\xff\xfe',
        }
        for label, client_id in cases.items():
            with self.subTest(label), self.assertRaises(channel.InvalidChannelClientIdError):
                channel.create_channel(client_id)  # type: ignore[arg-type]
            with self.subTest(label, call='send_message'), self.assertRaises(channel.InvalidChannelClientIdError):
                channel.send_message(client_id, 'hello')  # type: ignore[arg-type]

    def test_durations(self) -> None:
        for duration in (0, -5, 1441, 2.5, '60', True):
            with self.subTest(duration=duration), self.assertRaises(channel.InvalidChannelTokenDurationError):
                channel.create_channel('user-1', duration)  # type: ignore[arg-type]

    def test_messages(self) -> None:
        cases = {
            'not a string': 42,
            'None': None,
            'too long': 'x' * 32768,
            'too long in UTF-8 bytes': '€' * 10923,  # 32,769 bytes
            'lone surrogate': 'hi \udfff',
            'bytes that are not UTF-8': b'\xc3\x28',
        }
        for label, message in cases.items():
            with self.subTest(label), self.assertRaises(channel.InvalidMessageError):
                channel.send_message('user-1', message)  # type: ignore[arg-type]

    def test_client_id_and_token_together_are_refused(self) -> None:
        with self.assertRaises(channel.Error):
            channel.send_message('user-1', 'hello', token='a' * 43)

    def test_malformed_token_is_refused(self) -> None:
        for token in ('', 'x' * 513, 'tab\there', 42):
            with self.subTest(token=token), self.assertRaises(channel_gateway.InvalidTokenError):
                channel.send_message(token=token, message='hello')  # type: ignore[arg-type]

    def test_malformed_idempotency_key_is_refused(self) -> None:
        for key in ('', 'with space', 'é', 'k' * 257):
            with self.subTest(key=key), self.assertRaises(channel.Error):
                channel.send_message('user-1', 'hello', idempotency_key=key)

    def test_limits_themselves_are_allowed(self) -> None:
        """The boundary values are accepted (they do reach the server: checked, then forgotten)."""
        channel.create_channel('é' * 128, 1440)
        channel.create_channel('x' * 256, 1)
        self.assertEqual(len(self.server.requests), 2)
        self.server.requests.clear()
