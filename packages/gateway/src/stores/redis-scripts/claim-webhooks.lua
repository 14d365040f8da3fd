-- Claims due webhook jobs: each is hidden from other nodes until the lease ends.
-- Returns {id1, job1, id2, job2, ...}.
-- KEYS[1] due sorted set, KEYS[2] jobs hash
-- ARGV[1] now, ARGV[2] limit, ARGV[3] lease end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local claimed = {}
for _, id in ipairs(ids) do
  local job = redis.call('HGET', KEYS[2], id)
  if job then
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    claimed[#claimed + 1] = id
    claimed[#claimed + 1] = job
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed
