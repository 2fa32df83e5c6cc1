--[[
  Read a partition's generation marker and this server's id in one call,
  on the node that holds the partition (Redis Cluster): the partition's
  state is current when the marker starts with '<serverId>:' (generation.lua).

  KEYS[1] generation  string  the partition's generation marker

  Returns { marker ('' when missing), serverId }.
]]
-- @include generation.lua

local marker = redis.call('GET', KEYS[1])
return { marker or '', serverId() }
