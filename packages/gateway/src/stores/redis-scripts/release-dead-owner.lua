-- A node died holding this client: release ownership if that node still holds it, and make the
-- disconnect due now (the node timeout already was the grace window). Returns 1 when released.
-- KEYS[1] channel hash, KEYS[2] pending disconnects
-- ARGV[1] dead node ID, ARGV[2] now, ARGV[3] client ID
local owner = redis.call('HGET', KEYS[1], 'own')
if not owner or string.sub(owner, 1, #ARGV[1] + 1) ~= ARGV[1] .. ' ' then return 0 end
redis.call('HDEL', KEYS[1], 'own', 'cat')
if redis.call('HGET', KEYS[1], 'pst') == 'c' then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3]) end
return 1
