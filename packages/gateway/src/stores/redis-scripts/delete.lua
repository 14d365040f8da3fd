-- Deletes a live channel and its buffer and tells the owning node to close the socket.
-- Returns 1 when a live channel was deleted, 0 when there was none.
-- KEYS[1] channel hash, KEYS[2] buffer, KEYS[3] pending disconnects, KEYS[4..6] webhook due, jobs, seq
-- ARGV[1] now, ARGV[2] inbox channel prefix, ARGV[3] client ID, ARGV[4] webhook backlog limit
local channel = redis.call('HMGET', KEYS[1], 'exp', 'own', 'pst')
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[3])
-- The socket is about to be closed and its detach will find no channel: report the disconnect now.
if channel[3] == 'c' then enqueue_webhook(KEYS[4], KEYS[5], KEYS[6], 'disconnected', ARGV[3], ARGV[1], tonumber(ARGV[4])) end
local expires_at = tonumber(channel[1])
if not expires_at or expires_at <= tonumber(ARGV[1]) then return 0 end
local owner = channel[2]
if owner then
  local space = string.find(owner, ' ', 1, true)
  -- Envelope format: see inbox-envelope.ts.
  redis.call('PUBLISH', ARGV[2] .. string.sub(owner, 1, space - 1), 'x' .. ARGV[3] .. '\n' .. string.sub(owner, space + 1))
end
return 1
