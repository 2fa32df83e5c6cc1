--[[
  Starts a signup for an e-mail address unless one is already waiting for its
  code there, and queues the code's e-mail with it: one step, so two first
  signups at once leave exactly one, and a code is kept if and only if its
  e-mail is on its way.

  KEYS[1] pending  hash    record (encrypted signup), tries, sends
  KEYS[2] emails   stream  what the worker e-mails

  ARGV[1]     the encrypted record
  ARGV[2]     seconds the signup waits for its code
  ARGV[3...]  the e-mail event, field and value after each other

  Returns { 'started' }, or { 'waiting', record, ttl } when a signup holds the
  address (the record it holds and its seconds left; nothing changed).
]]
local pendingKey = KEYS[1]
local emailsKey = KEYS[2]

local waiting = redis.call('HGET', pendingKey, 'record')
if waiting then
  return { 'waiting', waiting, redis.call('TTL', pendingKey) }
end
-- A signup that was taken or used up leaves its tries behind; they are not this one's.
redis.call('DEL', pendingKey)
redis.call('HSET', pendingKey, 'record', ARGV[1], 'tries', 0, 'sends', 1)
redis.call('EXPIRE', pendingKey, ARGV[2])
redis.call('XADD', emailsKey, '*', unpack(ARGV, 3))
return { 'started' }
