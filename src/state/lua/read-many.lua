--[[
  read-many: answers many reads in one command, so a rescore costs one round trip and one
  command instead of one command per candidate (ioredis's per-command cost dominated).
  Used by the single-node store only: on a cluster the keys span slots.

  KEYS: every key read (numkeys is variable).
  ARGV: a flat stream, either one field per entry or (a single entry) every field joined by
        the byte 0x1f, which no field then contains; each read is a code, a 1-based index
        into KEYS, then its args:
        H  key                 HGETALL (flat field/value array)
        M  key fields          HMGET (fields joined by NUL)
        Z  key members         ZMSCORE (members joined by NUL)
        T  key n               ZRANGE key 0 n-1 REV WITHSCORES
        L  key n               LRANGE key 0 n-1
        S  key members         SMISMEMBER (members joined by NUL)
  Lists travel as one NUL-joined argument: a rescore sends the same 17 fields for every
  candidate and the same candidates for every score lookup, and one argument each (split
  once here, then reused) cost far less to send than hundreds of small ones. Validated ids
  and field names never contain NUL.
        C  key                 SCARD
        R  key n               SRANDMEMBER key n
  Returns: one reply per read, in order. Errors: "ERR sr-bad-read <code>".
]]
--@include fields.lua
local out = {}
local i = 1
local n = #A
local split_cache = {}
-- A NUL-joined list, split once per call however many reads send it.
local function list_of(s)
  local t = split_cache[s]
  if not t then
    t = split(s, '\0')
    split_cache[s] = t
  end
  return t
end
while i <= n do
  local code = A[i]
  local k = KEYS[tonumber(A[i + 1])]
  if code == 'H' then
    out[#out + 1] = redis.call('HGETALL', k)
    i = i + 2
  elseif code == 'M' or code == 'Z' or code == 'S' then
    local cmd = (code == 'M' and 'HMGET') or (code == 'Z' and 'ZMSCORE') or 'SMISMEMBER'
    out[#out + 1] = redis.call(cmd, k, unpack(list_of(A[i + 2])))
    i = i + 3
  elseif code == 'T' then
    out[#out + 1] = redis.call('ZRANGE', k, 0, tonumber(A[i + 2]) - 1, 'REV', 'WITHSCORES')
    i = i + 3
  elseif code == 'L' then
    out[#out + 1] = redis.call('LRANGE', k, 0, tonumber(A[i + 2]) - 1)
    i = i + 3
  elseif code == 'C' then
    out[#out + 1] = redis.call('SCARD', k)
    i = i + 2
  elseif code == 'R' then
    out[#out + 1] = redis.call('SRANDMEMBER', k, A[i + 2])
    i = i + 3
  else
    return redis.error_reply('ERR sr-bad-read ' .. tostring(code))
  end
end
return out
