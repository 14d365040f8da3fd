"""A gateway that never answers, one that is down, a wrong key: clear errors, within the deadline."""
import time
import unittest

from gateway_env import DOWN_URL, SILENT_URL, client, unique

import channel_gateway
from channel_gateway import channel


class UnansweredTest(unittest.TestCase):
    def test_a_silent_gateway_times_out_within_the_deadline(self) -> None:
        gateway = channel_gateway.Client(url=SILENT_URL, api_key='key', timeout=0.4, deadline=1.5)
        started = time.monotonic()
        with self.assertRaises(channel_gateway.GatewayUnavailableError) as caught:
            gateway.send('user-1', 'hello')
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, 1.5 + 0.5)
        self.assertGreaterEqual(caught.exception.attempts, 2)
        self.assertIsInstance(caught.exception, channel.Error)

    def test_a_gateway_that_is_down_is_retried_then_reported(self) -> None:
        channel_gateway.configure(url=DOWN_URL, api_key='key', timeout=1.0, deadline=1.0)
        try:
            started = time.monotonic()
            with self.assertRaises(channel.Error) as caught:
                channel.send_message('user-1', 'hello')
            elapsed = time.monotonic() - started
        finally:
            channel_gateway.reset()
        error = caught.exception
        assert isinstance(error, channel_gateway.GatewayUnavailableError)
        self.assertGreater(error.attempts, 2)  # refused is fast: several attempts fit
        self.assertLess(elapsed, 1.0 + 0.5)
        self.assertIn('ConnectionRefusedError', str(caught.exception))
        self.assertIsInstance(caught.exception.__cause__, OSError)

    def test_create_channel_on_a_down_gateway(self) -> None:
        with self.assertRaises(channel_gateway.GatewayUnavailableError):
            channel_gateway.Client(url=DOWN_URL, api_key='key', deadline=0.5).create_channel('user-1')


class RefusedTest(unittest.TestCase):
    def test_a_wrong_api_key_is_refused_at_once(self) -> None:
        started = time.monotonic()
        with self.assertRaises(channel_gateway.GatewayError) as caught:
            client(api_key='wrong').create_channel(unique('key'))
        self.assertEqual((caught.exception.status, caught.exception.code), (401, 'unauthorized'))
        self.assertLess(time.monotonic() - started, 1.0)

    def test_a_bad_url_is_a_configuration_error(self) -> None:
        with self.assertRaises(channel_gateway.ConfigurationError):
            channel_gateway.Client(url='gateway.example.com', api_key='key')
        with self.assertRaises(channel_gateway.ConfigurationError):
            channel_gateway.Client(url=DOWN_URL, api_key='')
