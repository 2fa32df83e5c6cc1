--[[
  Gives a waiting signup a new code and queues its e-mail, at most `maxSends`
  e-mails per signup. Only the record the caller read (and checked the
  password against) is changed: one taken, used up, expired or given another
  code meanwhile is left alone. The signup keeps its expiry and its tries.

  KEYS[1] pending  hash    record (encrypted signup), tries, sends
  KEYS[2] emails   stream  what the worker e-mails

  ARGV[1]     the record as the caller read it
  ARGV[2]     the same record with the new code
  ARGV[3]     the most e-mails one signup may send
  ARGV[4...]  the e-mail event, field and value after each other

  Returns { 'sent' }, { 'changed' } (the record is no longer the one read;
  nothing changed), or { 'limited', ttl } (no e-mail left; the signup's
  seconds left).
]]
local pendingKey = KEYS[1]
local emailsKey = KEYS[2]

if redis.call('HGET', pendingKey, 'record') ~= ARGV[1] then
  return { 'changed' }
end
if tonumber(redis.call('HGET', pendingKey, 'sends') or '0') >= tonumber(ARGV[3]) then
  return { 'limited', redis.call('TTL', pendingKey) }
end
redis.call('HSET', pendingKey, 'record', ARGV[2])
redis.call('HINCRBY', pendingKey, 'sends', 1)
redis.call('XADD', emailsKey, '*', unpack(ARGV, 4))
return { 'sent' }
