"""GAE's send_message also took the token create_channel returned, in place of the client ID."""
import json
import unittest

from gateway_env import BrowserSocket, RecordingServer, client, unique

import channel_gateway
from channel_gateway import channel


class SendByTokenTest(unittest.TestCase):
    def setUp(self) -> None:
        channel_gateway.reset()

    def test_explicit_token_reaches_its_client_and_names_it(self) -> None:
        client_id = unique('by-token')
        token = channel.create_channel(client_id)
        socket = BrowserSocket(token, node=1)
        socket.wait_open()
        result = channel.send_message_result(token=token, message='to the token')
        self.assertEqual((result.status, result.client_id), ('routed', client_id))
        channel.send_message(token=token, message='again')
        self.assertEqual(socket.wait_messages(2), ['to the token', 'again'])
        socket.close()

    def test_positional_token_as_gae_allowed(self) -> None:
        client_id = unique('positional')
        token = channel.create_channel(client_id)
        socket = BrowserSocket(token, node=0)
        socket.wait_open()
        channel.send_message(token, 'by position')
        self.assertEqual(socket.wait_messages(1), ['by position'])
        self.assertEqual(channel.send_message_result(token, 'x').client_id, client_id)
        socket.close()

    def test_unknown_or_revoked_token_is_no_channel(self) -> None:
        unknown = 'A' * 43
        self.assertEqual(channel.send_message_result(token=unknown, message='x').status, 'no_channel')
        self.assertIsNone(channel.send_message_result(token=unknown, message='x').client_id)
        client_id = unique('revoked')
        token = channel.create_channel(client_id)
        client().delete_channel(client_id)
        self.assertEqual(client().send_to_token(token, 'x').status, 'no_channel')

    def test_client_id_shaped_like_a_token_still_reaches_that_client(self) -> None:
        """A 43-character base64url client ID is not a live token: it falls back to the client ID."""
        client_id = unique('t').replace('-', '_').ljust(43, 'x')
        self.assertTrue(channel_gateway.looks_like_token(client_id))
        socket = BrowserSocket(channel.create_channel(client_id), node=1)
        socket.wait_open()
        result = channel.send_message_result(client_id, 'shaped like a token')
        self.assertEqual((result.status, result.client_id), ('routed', client_id))
        self.assertEqual(socket.wait_messages(1), ['shaped like a token'])
        socket.close()

    def test_what_goes_over_the_wire(self) -> None:
        """The token travels in the body of POST /v1/messages, never in a URL."""
        token = 'Tk' * 21 + 'n'
        server = RecordingServer([(202, {'results': [{'clientId': 'user-9', 'status': 'routed'}]})])
        try:
            result = channel_gateway.Client(url=server.url, api_key='key').send_to_token(token, 'hi')
        finally:
            server.close()
        self.assertEqual((result.status, result.client_id), ('routed', 'user-9'))
        [(method, path, _, body)] = server.requests
        self.assertEqual((method, path), ('POST', '/v1/messages'))
        [item] = json.loads(body)['messages']
        self.assertEqual((item['token'], item['message']), (token, 'hi'))
        self.assertNotIn('clientId', item)
        self.assertTrue(item['idempotencyKey'])

    def test_tokens_in_batches(self) -> None:
        gateway = client()
        client_id = unique('batch-token')
        token = gateway.create_channel(client_id).token
        results = gateway.send_many([channel_gateway.Message('m', token=token),
                                     channel_gateway.Message('m', token='B' * 43)])
        self.assertEqual([(r.status, r.client_id) for r in results], [('queued', client_id), ('no_channel', None)])
