-- Appends a message to a live channel's buffer and publishes it to the owning node, atomically.
-- Returns {status, seq}: status 0 no_channel, 1 queued, 2 routed.
-- KEYS[1] channel hash, KEYS[2] buffer
-- ARGV[1] encodedData, ARGV[2] now, ARGV[3] max count, ARGV[4] max bytes, ARGV[5] ttl ms,
-- ARGV[6] inbox channel prefix, ARGV[7] client ID
local seq, node = append_message(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
if seq == 0 then return {0, 0} end
-- Envelope format: see inbox-envelope.ts.
if node and redis.call('PUBLISH', ARGV[6] .. node, 'd' .. ARGV[7] .. '\n' .. seq .. '\n' .. ARGV[1]) > 0 then return {2, seq} end
return {1, seq}
