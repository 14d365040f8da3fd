-- Shared prelude: adds a presence webhook job to the outbox (see presence/webhook-outbox.ts for the
-- job encoding). Returns 1 when added, 0 when the backlog is full (the caller counts the drop).
local function enqueue_webhook(due_key, jobs_key, seq_key, event, client_id, now, max_backlog)
  if redis.call('ZCARD', due_key) >= max_backlog then return 0 end
  local id = tostring(redis.call('INCR', seq_key))
  redis.call('HSET', jobs_key, id, '0 ' .. now .. ' ' .. event .. ' ' .. client_id)
  redis.call('ZADD', due_key, now, id)
  return 1
end
