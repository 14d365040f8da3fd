-- Creates a channel, or extends a live one. Returns the channel generation.
-- KEYS[1] channel hash, KEYS[2] buffer
-- ARGV[1] expiresAt (ms), ARGV[2] generation if new, ARGV[3] epoch if new, ARGV[4] now (ms),
-- ARGV[5] how long the hash outlives the channel (ms): presence is settled after expiry, when the socket closes
local expires_at = tonumber(ARGV[1])
local current = redis.call('HMGET', KEYS[1], 'gen', 'exp')
local generation = current[1]
local current_exp = tonumber(current[2] or '0')
if not generation or current_exp <= tonumber(ARGV[4]) then
  -- New, or expired but not yet evicted by Redis: start over with a new generation and stream.
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'gen', ARGV[2], 'epoch', ARGV[3], 'seq', 0, 'dlv', 0, 'exp', expires_at, 'bb', 0)
  generation = ARGV[2]
elseif expires_at > current_exp then
  redis.call('HSET', KEYS[1], 'exp', expires_at)
else
  expires_at = current_exp
end
redis.call('PEXPIREAT', KEYS[1], expires_at + tonumber(ARGV[5]))
redis.call('PEXPIREAT', KEYS[2], expires_at)
return generation
