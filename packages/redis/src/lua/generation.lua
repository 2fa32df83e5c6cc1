--[[
  The partition's generation, as every script that decides on an offer or an
  order checks it before anything else. The marker (keys.ts generationKey)
  holds '<server id>:<generation>': the id of the server on which the
  partition's state was last rebuilt from MySQL or checked against it, and a
  name of that recovery's own (the order-writer compares it before it writes
  a batch to MySQL: recovery/fence.ts). A server's id is its master_replid, which
  changes with every restart (a restored file's id is kept only as replid2),
  and a replica promoted by a failover takes a new one, so a state that came
  back from an older file or from a lagging replica is never taken for a
  checked one: the scripts refuse (Recovering) until the worker has compared
  it with MySQL and stamped the marker again (generation.ts).
  Included by the scripts (`-- @include generation.lua`).
]]

-- This server's id: master_replid, from INFO replication.
local function serverId()
  return string.match(redis.call('INFO', 'replication'), 'master_replid:(%x+)')
end

-- Whether the partition whose marker is markerKey was checked on this very server.
local function generationCurrent(markerKey)
  local marker = redis.call('GET', markerKey)
  if not marker then return false end
  local id = serverId()
  return string.sub(marker, 1, #id + 1) == id .. ':'
end
