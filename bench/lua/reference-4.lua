--[[
  The fixed reference bound of the benchmark (bench/reference.ts): one event's writes as
  nine commands on four keys under one hash tag, run by `redis-benchmark -c 50` with
  EVALSHA. Not the service's script: a yardstick anyone can rerun, whatever the
  service's own writes become.

  Input:
    KEYS[1] session hash       (HINCRBY x3, EXPIRE)
    KEYS[2] session recent     (LPUSH + LTRIM to 50, EXPIRE)
    KEYS[3] item co-visitation (ZINCRBY)
    KEYS[4] popularity         (ZINCRBY)

    ARGV[1] item id
    ARGV[2] event type (a field of the session hash)
    ARGV[3] TTL in seconds

  Output:
    the session's new step count
]]
local sessionKey = KEYS[1]
local recentKey = KEYS[2]
local covisitKey = KEYS[3]
local popularityKey = KEYS[4]

local itemId = ARGV[1]
local eventType = ARGV[2]
local ttl = ARGV[3]

local step = redis.call("HINCRBY", sessionKey, "steps", 1)
redis.call("HINCRBY", sessionKey, eventType, 1)
redis.call("HINCRBY", sessionKey, "i:" .. itemId, 1)
redis.call("ZINCRBY", covisitKey, 1, itemId)
redis.call("ZINCRBY", popularityKey, 1, itemId)
redis.call("LPUSH", recentKey, eventType .. "|" .. itemId .. "|" .. step)
redis.call("LTRIM", recentKey, 0, 49)
redis.call("EXPIRE", sessionKey, ttl)
redis.call("EXPIRE", recentKey, ttl)
return step
