-- Shared prelude, prepended to send-many.lua and attach.lua when they are loaded.
-- Buffer members are "<seq> <sentAt> <encodedData>", scored by seq. The channel hash keeps a summary so
-- that a send only trims when a limit is actually passed: `bn` messages, `bb` bytes of encodedData, `bo`
-- the oldest message's sentAt.

-- True when the buffer summarised by (count, bytes, oldest) is over a limit and has more than one message.
local function buffer_over(count, bytes, oldest, now, max_count, max_bytes, ttl_ms)
  return count > 1 and (count > max_count or bytes > max_bytes or oldest < now - ttl_ms)
end

-- Drops the oldest messages beyond the count, byte and age limits, always keeping the newest one, and
-- writes the summary back. Returns how many were dropped.
local function trim_buffer(channel_key, buffer_key, now, max_count, max_bytes, ttl_ms)
  local count = redis.call('ZCARD', buffer_key)
  local bytes = tonumber(redis.call('HGET', channel_key, 'bb') or '0')
  local cutoff = now - ttl_ms
  local dropped = 0
  local oldest_sent = now
  while count > 0 do
    local oldest = redis.call('ZRANGE', buffer_key, 0, 0)[1]
    local seq_end = string.find(oldest, ' ', 1, true)
    local sent_end = string.find(oldest, ' ', seq_end + 1, true)
    oldest_sent = tonumber(string.sub(oldest, seq_end + 1, sent_end - 1))
    if count <= 1 or (count <= max_count and bytes <= max_bytes and oldest_sent >= cutoff) then break end
    redis.call('ZREMRANGEBYRANK', buffer_key, 0, 0)
    bytes = bytes - (#oldest - sent_end)
    count = count - 1
    dropped = dropped + 1
  end
  redis.call('HSET', channel_key, 'bb', bytes, 'bn', count, 'bo', oldest_sent)
  return dropped
end
