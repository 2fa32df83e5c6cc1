--[[
  Keep the partition's recovery lock while its holder is still at work (a
  recovery may wait for MySQL), so that it expires soon after a holder that
  died, and never under one that is alive.

  KEYS[1] lock  string  the partition's recovery lock

  ARGV[1] token  the holder's, from begin-recovery.lua
  ARGV[2] ttl    milliseconds from now

  Returns 1 when the lock was the caller's and now lasts ttl more, 0 otherwise.
]]

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
