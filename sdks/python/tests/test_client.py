"""The richer Client: batches, presence queries, deletion, idempotency keys."""
import json
import unittest
import uuid

from gateway_env import NODE_URLS, BrowserSocket, RecordingServer, client, unique

import channel_gateway
from channel_gateway import Message


class BatchTest(unittest.TestCase):
    def test_send_many_answers_each_item_in_order(self) -> None:
        gateway = client()
        connected, idle, nobody = unique('batch-a'), unique('batch-b'), unique('batch-c')
        socket = BrowserSocket(gateway.create_channel(connected).token, node=1)
        socket.wait_open()
        gateway.create_channel(idle)
        results = gateway.send_many([(connected, 'one'), Message('two', client_id=idle), (nobody, 'three')])
        self.assertEqual([(r.client_id, r.status) for r in results],
                         [(connected, 'routed'), (idle, 'queued'), (nobody, 'no_channel')])
        self.assertEqual(socket.wait_messages(1), ['one'])
        socket.close()

    def test_send_many_checks_every_item_before_sending(self) -> None:
        with self.assertRaises(channel_gateway.InvalidMessageError):
            client().send_many([(unique('ok'), 'fine'), (unique('bad'), 'x' * 40000)])
        with self.assertRaises(channel_gateway.InvalidChannelClientIdError):
            client().send_many([('', 'hello')])
        with self.assertRaises(channel_gateway.Error):
            client().send_many([])
        with self.assertRaises(channel_gateway.Error):
            client().send_many([(unique('many'), 'x')] * 1001)


class IdempotentSendTest(unittest.TestCase):
    """What makes the SDK's retries safe, on the real gateway: a repeated key is delivered once."""

    def test_a_repeated_key_is_answered_but_not_delivered_again(self) -> None:
        gateway = client()
        client_id = unique('once')
        socket = BrowserSocket(gateway.create_channel(client_id).token, node=1)
        socket.wait_open()
        key = str(uuid.uuid4())
        self.assertEqual(gateway.send(client_id, 'once', idempotency_key=key).status, 'routed')
        self.assertEqual(client(url=NODE_URLS[1]).send(client_id, 'once', idempotency_key=key).status, 'routed')
        gateway.send(client_id, 'after')
        # One sender, in order: had the repeat been delivered, it would come before 'after'.
        self.assertEqual(socket.wait_messages(2), ['once', 'after'])
        with self.assertRaises(channel_gateway.GatewayError) as caught:
            gateway.send(client_id, 'another message', idempotency_key=key)
        self.assertEqual((caught.exception.status, caught.exception.code), (409, 'idempotency_key_reused'))
        socket.close()

    def test_batch_items_with_repeated_keys_are_delivered_once(self) -> None:
        gateway = client()
        client_id = unique('batch-once')
        socket = BrowserSocket(gateway.create_channel(client_id).token, node=0)
        socket.wait_open()
        batch = [Message('first', client_id=client_id, idempotency_key=str(uuid.uuid4())),
                 Message('second', client_id=client_id, idempotency_key=str(uuid.uuid4()))]
        gateway.send_many(batch)
        self.assertEqual([r.status for r in gateway.send_many(batch)], ['routed', 'routed'])
        gateway.send(client_id, 'third')
        self.assertEqual(socket.wait_messages(3), ['first', 'second', 'third'])
        socket.close()


class PresenceQueryTest(unittest.TestCase):
    def test_get_channel_and_presence_from_any_node(self) -> None:
        gateway = client()
        connected, idle = unique('here'), unique('away')
        socket = BrowserSocket(gateway.create_channel(connected).token, node=1)
        socket.wait_open()
        gateway.create_channel(idle)
        other_node = client(url=NODE_URLS[1])
        info = other_node.get_channel(connected)
        self.assertIsNotNone(info)
        assert info is not None
        self.assertTrue(info.connected)
        self.assertIsNotNone(info.connected_at)
        self.assertIsNone(gateway.get_channel(unique('never')))
        results = gateway.presence([connected, idle, 'never-created'])
        self.assertEqual([(r.client_id, r.found, r.connected) for r in results],
                         [(connected, True, True), (idle, True, False), ('never-created', False, False)])
        socket.close()

    def test_delete_channel_revokes_the_token(self) -> None:
        gateway = client()
        client_id = unique('delete')
        socket = BrowserSocket(gateway.create_channel(client_id).token, node=0)
        socket.wait_open()
        self.assertTrue(gateway.delete_channel(client_id))
        self.assertFalse(gateway.delete_channel(client_id))
        self.assertEqual(gateway.send(client_id, 'late').status, 'no_channel')


class IdempotencyKeyTest(unittest.TestCase):
    def test_every_send_carries_a_fresh_key_unless_one_is_given(self) -> None:
        server = RecordingServer([(202, {'status': 'routed'})])
        try:
            gateway = channel_gateway.Client(url=server.url, api_key='key')
            gateway.send('user-1', 'a')
            gateway.send('user-1', 'b')
            gateway.send('user-1', 'c', idempotency_key='order-17')
            keys = [headers.get('idempotency-key') for _, _, headers, _ in server.requests]
            self.assertEqual(uuid.UUID(keys[0]).version, 4)
            self.assertNotEqual(keys[0], keys[1])
            self.assertEqual(keys[2], 'order-17')
            self.assertEqual(server.requests[0][2]['authorization'], 'Bearer key')
            self.assertEqual(json.loads(server.requests[0][3]), {'message': 'a'})
            self.assertEqual(server.requests[0][1], '/v1/channels/user-1/messages')
        finally:
            server.close()

    def test_a_503_is_retried_with_the_same_key(self) -> None:
        server = RecordingServer([(503, {'error': {'code': 'unavailable', 'message': 'Redis is unreachable'}}),
                                  (503, {'error': {'code': 'unavailable', 'message': 'Redis is unreachable'}}),
                                  (202, {'status': 'queued'})])
        try:
            result = channel_gateway.Client(url=server.url, api_key='key', deadline=10.0).send('user/1', 'hi')
            self.assertEqual(result.status, 'queued')
            self.assertEqual(len(server.requests), 3)
            self.assertEqual(len({headers['idempotency-key'] for _, _, headers, _ in server.requests}), 1)
            self.assertEqual(server.requests[0][1], '/v1/channels/user%2F1/messages')
        finally:
            server.close()

    def test_every_batch_item_carries_its_own_key(self) -> None:
        server = RecordingServer([(202, {'results': [{'clientId': 'a', 'status': 'routed'},
                                                     {'clientId': 'b', 'status': 'queued'}]})])
        try:
            channel_gateway.Client(url=server.url, api_key='key').send_many(
                [('a', 'x'), Message('y', client_id='b', idempotency_key='mine-1')])
        finally:
            server.close()
        items = json.loads(server.requests[0][3])['messages']
        self.assertEqual(uuid.UUID(items[0]['idempotencyKey']).version, 4)
        self.assertEqual(items[1], {'clientId': 'b', 'message': 'y', 'idempotencyKey': 'mine-1'})

    def test_a_refusal_is_not_retried(self) -> None:
        server = RecordingServer([(400, {'error': {'code': 'invalid_field', 'message': 'bad', 'field': 'message'}})])
        try:
            with self.assertRaises(channel_gateway.GatewayError) as caught:
                channel_gateway.Client(url=server.url, api_key='key').send('user-1', 'hi')
            self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.field),
                             (400, 'invalid_field', 'message'))
            self.assertEqual(len(server.requests), 1)
        finally:
            server.close()
