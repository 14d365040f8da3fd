-- A socket closed: record how far it delivered and release ownership if it still holds it.
-- Returns 1 when ownership was released, 0 otherwise.
-- KEYS[1] channel hash, KEYS[2] pending disconnects
-- ARGV[1] owner "<node> <connection>", ARGV[2] epoch, ARGV[3] delivered seq, ARGV[4] disconnect due at
-- (now + grace window), ARGV[5] client ID
local channel = redis.call('HMGET', KEYS[1], 'epoch', 'dlv', 'own')
if not channel[1] or channel[1] ~= ARGV[2] then return 0 end
if tonumber(ARGV[3]) > tonumber(channel[2]) then redis.call('HSET', KEYS[1], 'dlv', ARGV[3]) end
if channel[3] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'own', 'cat')
-- The app was told "connected": tell it "disconnected" unless a socket comes back within the grace window.
if redis.call('HGET', KEYS[1], 'pst') == 'c' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5]) end
return 1
