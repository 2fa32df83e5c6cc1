--[[
  End a recovery begun with begin-recovery.lua: stamp the partition's
  generation marker with this server's id (its last write, so a recovery
  that dies half-way leaves the partition refusing) and release the lock.
  Stamped only if the lock is still the caller's and the server is still
  the one the work was read from and written to: a restart in between
  (which may have lost part of what was written) leaves the partition
  unstamped, for the next recovery.

  KEYS[1] lock        string  the partition's recovery lock
  KEYS[2] generation  string  the partition's generation marker

  ARGV[1] token       the caller's, from begin-recovery.lua
  ARGV[2] serverId    the id begin-recovery.lua answered
  ARGV[3] stamp       '1' to stamp the marker, '0' to only release the lock (the recovery failed)
  ARGV[4] generation  this recovery's name: the marker becomes '<serverId>:<generation>'

  Returns a code.
  Code is FinishRecoveryCode (script-codes.ts), which the loader defines above this script:
    Stamped        the marker holds this server's id and the generation; the lock is released
    Released       the lock is released; the marker was left as it was (stamp '0')
    LockLost       the lock is not the caller's any more (it expired): nothing changed
    ServerChanged  this is not the server the recovery began on: the lock is released, no stamp
]]
-- @include generation.lua

local lockKey, generationKey = KEYS[1], KEYS[2]
local token, beganOn, stamp, generation = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

if redis.call('GET', lockKey) ~= token then return Code.LockLost end
redis.call('DEL', lockKey)
if stamp ~= '1' then return Code.Released end
local id = serverId()
if id ~= beganOn then return Code.ServerChanged end
redis.call('SET', generationKey, id .. ':' .. generation)
return Code.Stamped
