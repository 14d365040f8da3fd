-- Deletes a live channel and its buffer and tells the owning node to close the socket.
-- Returns 1 when a live channel was deleted, 0 when there was none.
-- KEYS[1] channel hash, KEYS[2] buffer
-- ARGV[1] now, ARGV[2] inbox channel prefix, ARGV[3] client ID
local channel = redis.call('HMGET', KEYS[1], 'exp', 'own')
redis.call('DEL', KEYS[1], KEYS[2])
local expires_at = tonumber(channel[1])
if not expires_at or expires_at <= tonumber(ARGV[1]) then return 0 end
local owner = channel[2]
if owner then
  local space = string.find(owner, ' ', 1, true)
  -- Envelope format: see inbox-envelope.ts.
  redis.call('PUBLISH', ARGV[2] .. string.sub(owner, 1, space - 1), 'x' .. ARGV[3] .. '\n' .. string.sub(owner, space + 1))
end
return 1
