-- Shared prelude (needs trim-buffer.lua before it): appends one message to a live channel's buffer.
-- Returns seq and the owning node ID (or false), or 0 when the channel does not exist, has expired or is
-- not in `generation` (unless that is '').
-- Three commands when no limit is passed: read, append, write back (+ the caller's PUBLISH).
-- `claim` (optional) is called after the read with the seq the message would get (0: no channel) and the
-- owning node (or false); when it returns false nothing is written and append_message returns false.
local function owner_node(owner)
  if not owner then return false end
  return string.sub(owner, 1, string.find(owner, ' ', 1, true) - 1)
end

local function append_message(channel_key, buffer_key, data, generation, now, sent_at, max_count, max_bytes, ttl_ms, claim)
  local channel = redis.call('HMGET', channel_key, 'exp', 'own', 'bn', 'bb', 'bo', 'seq', 'gen')
  local expires_at = tonumber(channel[1])
  if not expires_at or expires_at <= now or (generation ~= '' and channel[7] ~= generation) then
    if claim and not claim(0, false) then return false, false end
    return 0, false
  end
  local seq = tonumber(channel[6] or '0') + 1
  local node = owner_node(channel[2])
  if claim and not claim(seq, node) then return false, false end
  redis.call('ZADD', buffer_key, seq, seq .. ' ' .. sent_at .. ' ' .. data)
  local count = tonumber(channel[3] or '0') + 1
  local bytes = tonumber(channel[4] or '0') + #data
  local oldest = tonumber(channel[5] or sent_at)
  if count == 1 then
    oldest = now
    -- The buffer was just created: it lives as long as the channel.
    redis.call('PEXPIREAT', buffer_key, expires_at)
  end
  if buffer_over(count, bytes, oldest, now, max_count, max_bytes, ttl_ms) then
    redis.call('HSET', channel_key, 'seq', seq, 'bb', bytes)
    trim_buffer(channel_key, buffer_key, now, max_count, max_bytes, ttl_ms)
  else
    redis.call('HSET', channel_key, 'seq', seq, 'bn', count, 'bb', bytes, 'bo', oldest)
  end
  return seq, node
end
