-- A socket closed: record how far it delivered and release ownership if it still holds it.
-- Returns 1 when ownership was released, 0 otherwise.
-- KEYS[1] channel hash
-- ARGV[1] owner "<node> <connection>", ARGV[2] epoch, ARGV[3] delivered seq
local channel = redis.call('HMGET', KEYS[1], 'epoch', 'dlv', 'own')
if not channel[1] or channel[1] ~= ARGV[2] then return 0 end
if tonumber(ARGV[3]) > tonumber(channel[2]) then redis.call('HSET', KEYS[1], 'dlv', ARGV[3]) end
if channel[3] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'own', 'cat')
return 1
