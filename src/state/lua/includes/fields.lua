-- Included by the scripts that take a packed ARGV (see loadLua in index.ts).
-- split(s, sep): the pieces of s between each `sep` byte, empty pieces kept.
local function split(s, sep)
  local t, pos, n = {}, 1, 0
  while true do
    local j = string.find(s, sep, pos, true)
    n = n + 1
    if not j then
      t[n] = string.sub(s, pos)
      return t
    end
    t[n] = string.sub(s, pos, j - 1)
    pos = j + 1
  end
end

-- The fields of ARGV. A single entry is the stream packed by the client
-- (src/state/pack-fields.ts), fields joined by the byte 0x1f: cheaper to send than
-- hundreds of arguments.
local A = ARGV
if #ARGV == 1 then A = split(ARGV[1], '\31') end
