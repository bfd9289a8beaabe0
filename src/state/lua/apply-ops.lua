--[[
  apply-ops: applies one event's writes atomically (see src/state/ops.ts for semantics;
  the memory store's applyOps must agree with this script exactly).

  KEYS: every key the ops touch (numkeys is variable), so the script is cluster-safe when
        all keys share a slot.
  ARGV: a flat op stream, either one field per entry or (a single entry) every field joined
        by the byte 0x1f, which no field then contains; each op is a code, a 1-based index
        into KEYS, then its args:
        h  key field by              HINCRBY
        s  key field value           HSET
        z  key member by cap         ZINCRBY then keep the cap highest
        m  key member score cap      score = max(old, score) then keep the cap highest
        l  key value cap             LPUSH then LTRIM to cap
        t  key item type step cap    session-item packed counters (n,first,last,c0..c{TYPES-1})
        e  key seconds               EXPIRE
        a  key member                SADD
        r  key member                SREM
        d  key field                 HDEL
        y  key member                ZREM
        g  key member now ttlms cap  idempotency guard (zset of event ids, score = end of
                                     window in ms): checked for every g op before any write
  Returns: the number of ops applied, or -1 when a guard found its event applied already
  (then nothing is written). Errors: "ERR sr-bad-op <code>" for an unknown code.
]]
-- One counter per item event type: ITEM_EVENT_TYPES of src/domain/event-type.ts, filled in
-- when the script is loaded (src/state/lua/index.ts).
local TYPES = {{ITEM_EVENT_TYPES}}
-- Width of each op in ARGV (code, key index, args). Every op code must be listed here.
local ARITY = { h = 4, s = 4, z = 5, m = 5, l = 4, t = 6, e = 3, a = 3, r = 3, d = 3, y = 3, g = 6 }

--@include fields.lua

-- Guards first: a retried event must write nothing at all.
do
  local j = 1
  while j <= #A do
    local code = A[j]
    local width = ARITY[code]
    if not width then return redis.error_reply('ERR sr-bad-op ' .. tostring(code)) end
    if code == 'g' then
      local until_ms = redis.call('ZSCORE', KEYS[tonumber(A[j + 1])], A[j + 2])
      if until_ms and tonumber(until_ms) > tonumber(A[j + 3]) then return -1 end
    end
    j = j + width
  end
end

local function trim(k, cap)
  local n = redis.call('ZCARD', k)
  if n > cap then
    redis.call('ZREMRANGEBYRANK', k, 0, n - cap - 1)
  end
end

local function evict_oldest(k)
  local all = redis.call('HGETALL', k)
  local victim, victim_last = nil, nil
  for i = 1, #all, 2 do
    local item = all[i]
    local packed = all[i + 1]
    local c1 = string.find(packed, ',', 1, true)
    local c2 = string.find(packed, ',', c1 + 1, true)
    local c3 = string.find(packed, ',', c2 + 1, true)
    local last = tonumber(string.sub(packed, c2 + 1, (c3 or 0) - 1))
    if victim == nil or last < victim_last or (last == victim_last and item < victim) then
      victim, victim_last = item, last
    end
  end
  if victim then redis.call('HDEL', k, victim) end
end

local i = 1
local applied = 0
local n = #A
while i <= n do
  local code = A[i]
  local k = KEYS[tonumber(A[i + 1])]
  if code == 'h' then
    redis.call('HINCRBY', k, A[i + 2], A[i + 3])
    i = i + 4
  elseif code == 's' then
    redis.call('HSET', k, A[i + 2], A[i + 3])
    i = i + 4
  elseif code == 'z' then
    redis.call('ZINCRBY', k, A[i + 3], A[i + 2])
    trim(k, tonumber(A[i + 4]))
    i = i + 5
  elseif code == 'm' then
    redis.call('ZADD', k, 'GT', A[i + 3], A[i + 2])
    trim(k, tonumber(A[i + 4]))
    i = i + 5
  elseif code == 'l' then
    redis.call('LPUSH', k, A[i + 2])
    redis.call('LTRIM', k, 0, tonumber(A[i + 3]) - 1)
    i = i + 4
  elseif code == 't' then
    local item = A[i + 2]
    local typ = tonumber(A[i + 3])
    local step = tonumber(A[i + 4])
    local cap = tonumber(A[i + 5])
    local packed = redis.call('HGET', k, item)
    local c = {}
    if not packed then
      if redis.call('HLEN', k) >= cap then evict_oldest(k) end
      c[1], c[2], c[3] = 0, step, step
      for t = 1, TYPES do c[3 + t] = 0 end
    else
      local j = 1
      for part in string.gmatch(packed, '[^,]+') do
        c[j] = tonumber(part)
        j = j + 1
      end
      -- Counters packed before a type was appended have fewer fields: the new ones are 0.
      for t = 1, TYPES do c[3 + t] = c[3 + t] or 0 end
    end
    c[1] = c[1] + 1
    if step > c[3] then c[3] = step end
    c[4 + typ] = c[4 + typ] + 1
    redis.call('HSET', k, item, table.concat(c, ','))
    i = i + 6
  elseif code == 'e' then
    redis.call('EXPIRE', k, A[i + 2])
    i = i + 3
  elseif code == 'a' then
    redis.call('SADD', k, A[i + 2])
    i = i + 3
  elseif code == 'r' then
    redis.call('SREM', k, A[i + 2])
    i = i + 3
  elseif code == 'd' then
    redis.call('HDEL', k, A[i + 2])
    i = i + 3
  elseif code == 'y' then
    redis.call('ZREM', k, A[i + 2])
    i = i + 3
  elseif code == 'g' then
    local now = tonumber(A[i + 3])
    local ttl = tonumber(A[i + 4])
    redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
    redis.call('ZADD', k, now + ttl, A[i + 2])
    trim(k, tonumber(A[i + 5]))
    redis.call('EXPIRE', k, math.ceil(ttl / 1000))
    i = i + 6
  else
    return redis.error_reply('ERR sr-bad-op ' .. tostring(code))
  end
  applied = applied + 1
end
return applied
