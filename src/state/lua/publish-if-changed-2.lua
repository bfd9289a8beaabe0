--[[
  publish-if-changed: stores a session's newly ranked order and publishes it, but only when
  the order differs from the last one published, so subscribers see a push exactly when
  the ranking changed. The version increases by one per published list, across all
  service instances, because it lives in Redis.

  The version and order are two fields of a hash the caller names (the session's state
  hash): a separate key per session would cost its own key overhead and TTL entry.

  KEYS[1]  the hash holding the published state (the session's state hash)
  KEYS[2]  the session's channel (same hash tag, so SPUBLISH works on a cluster slot)
  ARGV[1]  the new order (a digest of the ranked ids)
  ARGV[2]  TTL of the hash, in seconds
  ARGV[3]  payload head; ARGV[4] payload tail: the message is head .. version .. tail
  ARGV[5]  the hash field of the version; ARGV[6] the hash field of the order
  ARGV[7]  "s" publishes with SPUBLISH (sharded pub/sub, Redis 7; the cluster store), "n"
           sends nothing (no instance has a subscriber of the session: the new order is
           only numbered), anything else or absent with PUBLISH (the single-node store)
  Returns: { 1, version } when the order changed (published, or numbered with "n");
           { 0, version } when the order was unchanged.
]]
local cur = redis.call('HGET', KEYS[1], ARGV[6])
if cur == ARGV[1] then
  return { 0, tonumber(redis.call('HGET', KEYS[1], ARGV[5]) or '0') }
end
local v = redis.call('HINCRBY', KEYS[1], ARGV[5], 1)
redis.call('HSET', KEYS[1], ARGV[6], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if ARGV[7] ~= 'n' then
  redis.call(ARGV[7] == 's' and 'SPUBLISH' or 'PUBLISH', KEYS[2], ARGV[3] .. v .. ARGV[4])
end
return { 1, v }
