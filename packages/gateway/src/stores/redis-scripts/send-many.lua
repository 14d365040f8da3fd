-- Sends messages in order: appends each to its live channel's buffer (append-message.lua), then ONE publish
-- per owning node carrying all of that node's deliveries. Messages for clients the calling node owns are
-- not published: the caller delivers them itself. Returns {status1, seq1, status2, seq2, ...}
-- (0 no_channel, 1 queued, 2 routed, 3 owned by the calling node; for a message whose idempotency key was
-- used before: 10 + the first send's status (0…2) with its seq, nothing sent; 4 the key was first used for
-- another client, 5 for another message, nothing sent).
-- KEYS: channel hash and buffer of each message, in pairs, then the idempotency record of each message that
-- carries a key (string "<status> <seq> <fingerprint> <clientId>", expiring after the window)
-- ARGV[1] now, ARGV[2] max count, ARGV[3] max bytes, ARGV[4] ttl ms, ARGV[5] inbox channel prefix,
-- ARGV[6] calling node ID ('' when it cannot take its own deliveries), ARGV[7] number of messages,
-- ARGV[8] idempotency window ms, then for each message, in fives: client ID, encodedData, required channel
-- generation ('' for any: a send by token names its token's), index in KEYS of its idempotency record
-- ('0' for none) and the fingerprint of its data
local now = tonumber(ARGV[1])
local max_count, max_bytes, ttl_ms = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local count = tonumber(ARGV[7])
local reply = {}
local by_node = {}
local node_order = {}
-- Keys first used in this call (key -> message index) and later messages of this call repeating them.
local fresh = {}
local repeats = {}
for i = 1, count do
  local client_id, data, generation = ARGV[4 + 5 * i], ARGV[5 + 5 * i], ARGV[6 + 5 * i]
  local slot = tonumber(ARGV[7 + 5 * i])
  local settled = false
  if slot > 0 then
    local key, fingerprint = KEYS[slot], ARGV[8 + 5 * i]
    local first = fresh[key]
    local prior_client, prior_fingerprint, prior_code, prior_seq
    if first then
      prior_client, prior_fingerprint = ARGV[4 + 5 * first], ARGV[8 + 5 * first]
    else
      local prior = redis.call('GET', key)
      if prior then prior_code, prior_seq, prior_fingerprint, prior_client = string.match(prior, '^(%d+) (%d+) (%S+) (.*)$') end
    end
    if prior_client then
      settled = true
      reply[2 * i] = 0
      if prior_client ~= client_id then
        reply[2 * i - 1] = 4
      elseif prior_fingerprint ~= fingerprint then
        reply[2 * i - 1] = 5
      elseif first then
        -- Its first send's status is final only after the publishes below.
        repeats[i] = first
      else
        reply[2 * i - 1] = 10 + tonumber(prior_code)
        reply[2 * i] = tonumber(prior_seq)
      end
    else
      fresh[key] = i
    end
  end
  if not settled then
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
end
for _, node in ipairs(node_order) do
  local records = by_node[node]
  local lines = {}
  for r = 1, #records, 2 do lines[#lines + 1] = records[r] end
  if redis.call('PUBLISH', ARGV[5] .. node, 'b' .. table.concat(lines, '\n')) > 0 then
    for r = 2, #records, 2 do reply[2 * records[r] - 1] = 2 end
  end
end
-- A message delivered by the calling node is routed.
local function final_code(i)
  local code = reply[2 * i - 1]
  return code == 3 and 2 or code
end
for key, i in pairs(fresh) do
  redis.call('SET', key, final_code(i) .. ' ' .. reply[2 * i] .. ' ' .. ARGV[8 + 5 * i] .. ' ' .. ARGV[4 + 5 * i], 'PX', ARGV[8])
end
for i, first in pairs(repeats) do
  reply[2 * i - 1] = 10 + final_code(first)
  reply[2 * i] = reply[2 * first]
end
return reply
