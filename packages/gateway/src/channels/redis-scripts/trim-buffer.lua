-- Shared prelude, prepended to send.lua and attach.lua when they are loaded.
-- Buffer members are "<seq> <sentAt> <encodedData>", scored by seq; the channel hash field `bb` holds
-- the buffer's total encodedData bytes. Drops the oldest messages beyond the count, byte and age limits,
-- always keeping the newest one.
local function trim_buffer(channel_key, buffer_key, now, max_count, max_bytes, ttl_ms)
  local count = redis.call('ZCARD', buffer_key)
  local bytes = tonumber(redis.call('HGET', channel_key, 'bb') or '0')
  local cutoff = now - ttl_ms
  local dropped = 0
  while count > 1 do
    local oldest = redis.call('ZRANGE', buffer_key, 0, 0)[1]
    local seq_end = string.find(oldest, ' ', 1, true)
    local sent_end = string.find(oldest, ' ', seq_end + 1, true)
    local sent_at = tonumber(string.sub(oldest, seq_end + 1, sent_end - 1))
    if count <= max_count and bytes <= max_bytes and sent_at >= cutoff then break end
    redis.call('ZREMRANGEBYRANK', buffer_key, 0, 0)
    bytes = bytes - (#oldest - sent_end)
    count = count - 1
    dropped = dropped + 1
  end
  if dropped > 0 then redis.call('HSET', channel_key, 'bb', bytes) end
  return dropped
end
