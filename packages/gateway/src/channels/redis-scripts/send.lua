-- Appends a message to a live channel's buffer and publishes it to the owning node, atomically.
-- Returns {status, seq}: status 0 no_channel, 1 queued, 2 routed.
-- KEYS[1] channel hash, KEYS[2] buffer
-- ARGV[1] encodedData, ARGV[2] now, ARGV[3] max count, ARGV[4] max bytes, ARGV[5] ttl ms,
-- ARGV[6] inbox channel prefix, ARGV[7] client ID
-- The hot path: five commands when no limit is passed (read, number, append, summary, publish).
local now = tonumber(ARGV[2])
local channel = redis.call('HMGET', KEYS[1], 'exp', 'own', 'bn', 'bb', 'bo')
local expires_at = tonumber(channel[1])
if not expires_at or expires_at <= now then return {0, 0} end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('ZADD', KEYS[2], seq, seq .. ' ' .. ARGV[2] .. ' ' .. ARGV[1])
local count = tonumber(channel[3] or '0') + 1
local bytes = tonumber(channel[4] or '0') + #ARGV[1]
local oldest = tonumber(channel[5] or ARGV[2])
if count == 1 then
  oldest = now
  -- The buffer was just created: it lives as long as the channel.
  redis.call('PEXPIREAT', KEYS[2], expires_at)
end
if buffer_over(count, bytes, oldest, now, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])) then
  redis.call('HSET', KEYS[1], 'bb', bytes)
  trim_buffer(KEYS[1], KEYS[2], now, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
else
  redis.call('HSET', KEYS[1], 'bn', count, 'bb', bytes, 'bo', oldest)
end
local owner = channel[2]
if owner then
  local node = string.sub(owner, 1, string.find(owner, ' ', 1, true) - 1)
  -- Envelope format: see inbox-envelope.ts.
  local receivers = redis.call('PUBLISH', ARGV[6] .. node, 'd' .. ARGV[7] .. '\n' .. seq .. '\n' .. ARGV[1])
  if receivers > 0 then return {2, seq} end
end
return {1, seq}
