-- A pending disconnect came due: if no socket came back, queue the disconnected webhook.
-- Returns 0 (nothing to do: not due, reconnected, or the app was never told connected), 1 (queued),
-- 2 (outbox full: dropped).
-- KEYS[1] channel hash, KEYS[2] pending disconnects, KEYS[3..5] webhook due, jobs, seq
-- ARGV[1] client ID, ARGV[2] now, ARGV[3] webhook backlog limit
local due = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
local channel = redis.call('HMGET', KEYS[1], 'own', 'pst')
if channel[1] or channel[2] ~= 'c' then return 0 end
redis.call('HDEL', KEYS[1], 'pst')
if enqueue_webhook(KEYS[3], KEYS[4], KEYS[5], 'disconnected', ARGV[1], ARGV[2], tonumber(ARGV[3])) == 1 then return 1 end
return 2
