-- Sends messages in order: appends each to its live channel's buffer (append-message.lua), then ONE publish
-- per owning node carrying all of that node's deliveries. Messages for clients the calling node owns are
-- not published: the caller delivers them itself. Returns {status1, seq1, status2, seq2, ...}
-- (0 no_channel, 1 queued, 2 routed, 3 owned by the calling node; for a message whose idempotency key was
-- used before: 10 + the first send's status (0…2) with its seq, nothing sent; 4 the key was first used for
-- another client, 5 for another message, nothing sent).
-- KEYS: channel hash and buffer of each message, in pairs, then the idempotency record of each message that
-- carries a key (string "<status> <seq> <fingerprint> <clientId>", expiring after the window). A key is
-- checked and claimed in one command (SET NX GET, Redis 7.0+) once the channel has been read, with the
-- status the send will have; the few whose PUBLISH then finds no subscriber are corrected to queued.
-- ARGV[1] now, ARGV[2] max count, ARGV[3] max bytes, ARGV[4] ttl ms, ARGV[5] inbox channel prefix,
-- ARGV[6] calling node ID ('' when it cannot take its own deliveries), ARGV[7] number of messages,
-- ARGV[8] idempotency window ms, then for each message, in fives: client ID, encodedData, required channel
-- generation ('' for any: a send by token names its token's), index in KEYS of its idempotency record
-- ('0' for none) and the fingerprint of its data
local now = tonumber(ARGV[1])
local max_count, max_bytes, ttl_ms = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local count = tonumber(ARGV[7])
local window = ARGV[8]
local reply = {}
local by_node = {}
local node_order = {}
-- Keys claimed in this call (key -> message index) and later messages of this call repeating them.
local fresh = {}
local repeats = {}
-- The message being sent and its key, for claim() (one closure for the whole call, not one a message).
local current, current_key, current_client, current_fingerprint
local function record(code, seq, fingerprint, client_id)
  return code .. ' ' .. seq .. ' ' .. fingerprint .. ' ' .. client_id
end
-- Called by append_message after its read: claims the key, or answers the message from its record.
local function claim(seq, node)
  -- A message for a node is routed unless its PUBLISH finds nobody (corrected below); no owner: queued.
  local code = seq == 0 and 0 or (node and 2 or 1)
  local prior = redis.call('SET', current_key, record(code, seq, current_fingerprint, current_client), 'NX', 'GET', 'PX', window)
  if not prior then
    fresh[current_key] = current
    return true
  end
  local prior_code, prior_seq, prior_fingerprint, prior_client = string.match(prior, '^(%d+) (%d+) (%S+) (.*)$')
  local i = current
  reply[2 * i] = 0
  if prior_client ~= current_client then
    reply[2 * i - 1] = 4
  elseif prior_fingerprint ~= current_fingerprint then
    reply[2 * i - 1] = 5
  else
    reply[2 * i - 1] = 10 + tonumber(prior_code)
    reply[2 * i] = tonumber(prior_seq)
  end
  return false
end
for i = 1, count do
  local client_id, data, generation = ARGV[4 + 5 * i], ARGV[5 + 5 * i], ARGV[6 + 5 * i]
  local slot = tonumber(ARGV[7 + 5 * i])
  local claiming = nil
  local settled = false
  if slot > 0 then
    local key, fingerprint = KEYS[slot], ARGV[8 + 5 * i]
    local first = fresh[key]
    if first then
      -- A repeat of a key this call claimed: its first send's status is final only after the publishes.
      settled = true
      reply[2 * i] = 0
      if ARGV[4 + 5 * first] ~= client_id then
        reply[2 * i - 1] = 4
      elseif ARGV[8 + 5 * first] ~= fingerprint then
        reply[2 * i - 1] = 5
      else
        repeats[i] = first
      end
    else
      current, current_key, current_client, current_fingerprint = i, key, client_id, fingerprint
      claiming = claim
    end
  end
  if not settled then
    local seq, node = append_message(KEYS[2 * i - 1], KEYS[2 * i], data, generation, now, ARGV[1], max_count, max_bytes, ttl_ms, claiming)
    if seq then
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
end
for _, node in ipairs(node_order) do
  local records = by_node[node]
  local lines = {}
  for r = 1, #records, 2 do lines[#lines + 1] = records[r] end
  if redis.call('PUBLISH', ARGV[5] .. node, 'b' .. table.concat(lines, '\n')) > 0 then
    for r = 2, #records, 2 do reply[2 * records[r] - 1] = 2 end
  else
    -- Nobody took them: queued, not routed as claimed (the key's record keeps its expiry).
    for r = 2, #records, 2 do
      local i = records[r]
      local slot = tonumber(ARGV[7 + 5 * i])
      if slot > 0 then redis.call('SET', KEYS[slot], record(1, reply[2 * i], ARGV[8 + 5 * i], ARGV[4 + 5 * i]), 'XX', 'KEEPTTL') end
    end
  end
end
-- A message delivered by the calling node is routed.
for i, first in pairs(repeats) do
  local code = reply[2 * first - 1]
  reply[2 * i - 1] = 10 + (code == 3 and 2 or code)
  reply[2 * i] = reply[2 * first]
end
return reply
