-- Sends messages in order: appends each to its live channel's buffer (append-message.lua), then ONE publish
-- per owning node carrying all of that node's deliveries. Messages for clients the calling node owns are
-- not published: the caller delivers them itself. Returns {status1, seq1, status2, seq2, ...}
-- (0 no_channel, 1 queued, 2 routed, 3 owned by the calling node).
-- KEYS: channel hash and buffer of each message, in pairs
-- ARGV[1] now, ARGV[2] max count, ARGV[3] max bytes, ARGV[4] ttl ms, ARGV[5] inbox channel prefix,
-- ARGV[6] calling node ID ('' when it cannot take its own deliveries), then client ID, encodedData and
-- required channel generation ('' for any: a send by token names its token's) of each message, in threes
local now = tonumber(ARGV[1])
local max_count, max_bytes, ttl_ms = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local reply = {}
local by_node = {}
local node_order = {}
for i = 1, #KEYS / 2 do
  local client_id, data, generation = ARGV[4 + 3 * i], ARGV[5 + 3 * i], ARGV[6 + 3 * i]
  local seq, node = append_message(KEYS[2 * i - 1], KEYS[2 * i], data, generation, now, ARGV[1], max_count, max_bytes, ttl_ms)
  reply[2 * i - 1] = seq == 0 and 0 or 1
  reply[2 * i] = seq
  if node == ARGV[6] then
    reply[2 * i - 1] = 3
  elseif node then
    local records = by_node[node]
    if not records then
      records = {}
      by_node[node] = records
      node_order[#node_order + 1] = node
    end
    -- Batch envelope records (see inbox-envelope.ts): encodedData is a JSON string literal, so it
    -- never holds a raw newline.
    records[#records + 1] = client_id .. '\n' .. seq .. '\n' .. data
    records[#records + 1] = i
  end
end
for _, node in ipairs(node_order) do
  local records = by_node[node]
  local lines = {}
  for r = 1, #records, 2 do lines[#lines + 1] = records[r] end
  if redis.call('PUBLISH', ARGV[5] .. node, 'b' .. table.concat(lines, '\n')) > 0 then
    for r = 2, #records, 2 do reply[2 * records[r] - 1] = 2 end
  end
end
return reply
