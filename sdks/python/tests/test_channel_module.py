"""The GAE functions against the cluster: a browser socket on node B, the app on node A."""
import json
import os
import time
import unittest

from gateway_env import URL, BrowserSocket, client, unique

import channel_gateway
from channel_gateway import channel


class ChannelModuleTest(unittest.TestCase):
    """Configured by the environment alone (CHANNEL_GATEWAY_URL, CHANNEL_GATEWAY_API_KEY), as in production."""

    def setUp(self) -> None:
        channel_gateway.reset()

    def test_create_channel_returns_a_token_the_browser_can_open(self) -> None:
        client_id = unique('create')
        token = channel.create_channel(client_id)
        self.assertIsInstance(token, str)
        self.assertTrue(channel_gateway.looks_like_token(token))
        socket = BrowserSocket(token, node=1)
        socket.wait_open()
        socket.close()

    def test_create_channel_duration(self) -> None:
        created = client().create_channel(unique('duration'), duration_minutes=5)
        remaining = created.expires_at.timestamp() - time.time()
        self.assertGreater(remaining, 4 * 60)
        self.assertLessEqual(remaining, 5 * 60 + 5)
        default = client().create_channel(unique('duration'))
        self.assertAlmostEqual(default.expires_at.timestamp() - time.time(), 120 * 60, delta=10)

    def test_send_message_reaches_the_browser_on_the_other_node(self) -> None:
        client_id = unique('send')
        socket = BrowserSocket(channel.create_channel(client_id), node=1)
        socket.wait_open()
        texts = ['héllo wörld – 日本語 😀', json.dumps({'board': 'XO X  O  ', 'turn': 'x'}), '', 'x' * 32767]
        for text in texts:
            self.assertIsNone(channel.send_message(client_id, text))
        self.assertEqual(socket.wait_messages(len(texts)), texts)
        socket.close()

    def test_send_message_result_says_routed_queued_or_no_channel(self) -> None:
        connected, idle = unique('routed'), unique('queued')
        socket = BrowserSocket(channel.create_channel(connected), node=1)
        socket.wait_open()
        channel.create_channel(idle)
        self.assertEqual(channel.send_message_result(connected, 'a').status, 'routed')
        self.assertEqual(channel.send_message_result(idle, 'b').status, 'queued')
        result = channel.send_message_result(unique('nobody'), 'c')
        self.assertEqual(result.status, 'no_channel')
        self.assertFalse(result.delivered)
        socket.close()

    def test_queued_message_is_delivered_when_the_socket_opens(self) -> None:
        client_id = unique('later')
        token = channel.create_channel(client_id)
        self.assertEqual(channel.send_message_result(client_id, 'waiting').status, 'queued')
        socket = BrowserSocket(token, node=0)
        self.assertEqual(socket.wait_messages(1), ['waiting'])
        socket.close()

    def test_send_to_no_channel_raises_nothing(self) -> None:
        """GAE: "No error is returned if the message cannot be delivered"."""
        self.assertIsNone(channel.send_message(unique('gone'), 'into the void'))

    def test_bytes_from_python2_code_are_utf8(self) -> None:
        client_id = unique('bytes')
        socket = BrowserSocket(channel.create_channel(client_id.encode('utf-8')), node=0)
        socket.wait_open()
        channel.send_message(client_id.encode('utf-8'), 'ünïcode'.encode('utf-8'))
        self.assertEqual(socket.wait_messages(1), ['ünïcode'])
        socket.close()

    def test_configure_overrides_the_environment(self) -> None:
        channel_gateway.configure(url='http://127.0.0.1:9', api_key='nope')
        channel_gateway.configure(url=URL)  # the key stays 'nope'
        with self.assertRaises(channel_gateway.GatewayError) as caught:
            channel.create_channel(unique('configured'))
        self.assertEqual(caught.exception.status, 401)
        channel_gateway.reset()
        self.assertTrue(channel.create_channel(unique('environment')))

    def test_unconfigured_is_a_clear_error(self) -> None:
        saved = os.environ.pop('CHANNEL_GATEWAY_URL')
        try:
            with self.assertRaisesRegex(channel_gateway.ConfigurationError, 'CHANNEL_GATEWAY_URL'):
                channel.create_channel('user-1')
        finally:
            os.environ['CHANNEL_GATEWAY_URL'] = saved
            channel_gateway.reset()
