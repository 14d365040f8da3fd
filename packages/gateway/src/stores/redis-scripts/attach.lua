-- Makes a socket the owner of a client and returns what it should replay.
-- Returns {'invalid'} | {'expired'} |
--   {'attached', epoch, previous owner or '', last seq, delivered seq, presence, members...}
-- where presence is '' (no change), 'connected' (webhook queued) or 'dropped' (outbox full).
-- KEYS[1] channel hash, KEYS[2] buffer, KEYS[3] pending disconnects, KEYS[4..6] webhook due, jobs, seq
-- ARGV[1] generation, ARGV[2] owner "<node> <connection>", ARGV[3] now, ARGV[4] resume epoch ('' for none),
-- ARGV[5] max count, ARGV[6] max bytes, ARGV[7] ttl ms, ARGV[8] resume seq,
-- ARGV[9] '1' when presence webhooks are on, ARGV[10] webhook backlog limit, ARGV[11] client ID
-- Where replay starts mirrors planReplay() in channel-store.ts: keep them in step.
local now = tonumber(ARGV[3])
local channel = redis.call('HMGET', KEYS[1], 'gen', 'exp', 'epoch', 'seq', 'dlv', 'own')
if not channel[1] or channel[1] ~= ARGV[1] then return {'invalid'} end
if tonumber(channel[2]) <= now then return {'expired'} end
redis.call('HSET', KEYS[1], 'own', ARGV[2], 'cat', ARGV[3])
trim_buffer(KEYS[1], KEYS[2], now, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
local presence = ''
if ARGV[9] == '1' then
  -- A reconnect inside the grace window cancels the pending disconnect: the app hears nothing.
  redis.call('ZREM', KEYS[3], ARGV[11])
  if redis.call('HGET', KEYS[1], 'pst') ~= 'c' then
    redis.call('HSET', KEYS[1], 'pst', 'c')
    local added = enqueue_webhook(KEYS[4], KEYS[5], KEYS[6], 'connected', ARGV[11], now, tonumber(ARGV[10]))
    presence = added == 1 and 'connected' or 'dropped'
  end
end
local reply = {'attached', channel[3], channel[6] or '', channel[4], channel[5], presence}
local from = tonumber(channel[5]) + 1
local resume_seq = tonumber(ARGV[8])
if ARGV[4] == channel[3] and resume_seq <= tonumber(channel[4]) then from = resume_seq + 1 end
local members = redis.call('ZRANGEBYSCORE', KEYS[2], from, '+inf')
for i = 1, #members do reply[#reply + 1] = members[i] end
return reply
