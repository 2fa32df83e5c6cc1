--[[
  Take the partition's recovery lock, and on a rebuild clear its generation
  marker in the same step, so every script answers Recovering from then on
  (generation.lua) and nothing changes the state being rebuilt. One
  process at a time: the lock is a token of its own with an expiry, in case
  its holder dies.

  KEYS[1] lock        string  the partition's recovery lock
  KEYS[2] generation  string  the partition's generation marker

  ARGV[1] token   the caller's own, to finish with
  ARGV[2] ttl     milliseconds the lock is held at most
  ARGV[3] clear   '1' to delete the marker (a rebuild), '0' to leave it (a check)

  Returns { code, serverId }.
  Code is BeginRecoveryCode (script-codes.ts), which the loader defines above this script:
    Begun  the lock is the caller's; serverId = this server's id, for finish-recovery.lua
    Busy   another process holds the lock: nothing changed
]]
-- @include generation.lua

local lockKey, generationKey = KEYS[1], KEYS[2]
local token, ttl, clear = ARGV[1], tonumber(ARGV[2]), ARGV[3]

if not redis.call('SET', lockKey, token, 'NX', 'PX', ttl) then
  return { Code.Busy, '' }
end
if clear == '1' then redis.call('DEL', generationKey) end
return { Code.Begun, serverId() }
