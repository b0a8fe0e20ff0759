// A cluster's room rules, as Redis Lua scripts: each runs atomically in the broker, so two relays
// admitting slaves to one room at the same moment cannot give one id twice, nor a room two masters.
// They apply the rules of src/relay/local-rooms.ts in the same order and words (the relay's tests
// run against both). A room R lives in keys that share the hash tag {R}:
//   sdm:{R}        hash: token (SHA-256 of the room's token, hex), maxSlaves, v (its version)
//   sdm:{R}:m      the master's holder, "OWNER|SESSION-HASH", with a lease (PX)
//   sdm:{R}:s:ID   slave ID's holder, the same, with a lease
//   sdm:{R}:ids    the slave ids that may be held (those whose lease ran out are dropped as seen)
// OWNER is "RELAY:CONNECTION". Each change bumps v and publishes the room's members on the room's
// channel as "M" + JSON { v, maxSlaves, master: OWNER|null, slaves: [[ID, OWNER]...] }.

// Shared by every script: the room's live members, and telling the room.
const COMMON = `
local function holder_owner(h) return string.match(h, '^([^|]*)') end
local function live(prefix, ids)
  local list = {}
  for _, id in ipairs(redis.call('SMEMBERS', ids)) do
    local h = redis.call('GET', prefix .. id)
    if h then list[#list + 1] = { tonumber(id), holder_owner(h) } else redis.call('SREM', ids, id) end
  end
  table.sort(list, function(a, b) return a[1] < b[1] end)
  return list
end
local function publish(room, master, prefix, ids, channel)
  local m = redis.call('GET', master)
  local v = redis.call('HINCRBY', room, 'v', 1)
  local members = { v = v, maxSlaves = tonumber(redis.call('HGET', room, 'maxSlaves')) or 0,
    master = m and holder_owner(m) or cjson.null, slaves = live(prefix, ids) }
  local json = cjson.encode(members)
  redis.call('PUBLISH', channel, 'M' .. json)
  return json
end
`;

/**
 * KEYS: room, master, ids. ARGV: token hash, role, wanted id ('' for any), session hash, owner,
 * lease ms, max clients, master's max_slaves, slave key prefix, channel, '1' when the join
 * presented its session (a rejoin may take its holding back) else ''.
 * Returns { 'ok', id, members JSON, replaced owner or '' } or { 'refuse', code, rule, arg }.
 */
export const JOIN = `${COMMON}
local room, master, ids = KEYS[1], KEYS[2], KEYS[3]
local token, role, wanted, session, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local lease, max_clients, max_slaves, prefix, channel = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9], ARGV[10]
local m = redis.call('GET', master)
local slaves = live(prefix, ids)
-- A room nobody holds any more is forgotten, its token with it (as a relay forgets an empty room).
if not m and #slaves == 0 then redis.call('DEL', room) end
local stored = redis.call('HGET', room, 'token')
if stored and stored ~= token then return { 'refuse', 4403, 'wrongToken', '' } end
local function same(h) return h and ARGV[11] == '1' and string.match(h, '|(.*)$') == session end
local held = role == 'master' and m or (wanted ~= '' and redis.call('GET', prefix .. wanted))
local rejoin = same(held)
if not rejoin and #slaves + (m and 1 or 0) >= max_clients then return { 'refuse', 4403, 'crowded', '' } end
local replaced = rejoin and holder_owner(held) or ''
if role == 'master' then
  if m and not rejoin then return { 'refuse', 4403, 'secondMaster', '' } end
  redis.call('HSET', room, 'token', token, 'maxSlaves', max_slaves)
  redis.call('SET', master, owner .. '|' .. session, 'PX', lease)
  return { 'ok', 0, publish(room, master, prefix, ids, channel), replaced }
end
if not m then return { 'refuse', 4404, 'noMaster', '' } end
local current = tonumber(redis.call('HGET', room, 'maxSlaves')) or 0
local id = tonumber(wanted)
if id and held and not rejoin then return { 'refuse', 4403, 'taken', id } end
if not id then
  for i = 1, current do
    if not redis.call('GET', prefix .. i) then id = i break end
  end
end
if not id or id > current then return { 'refuse', 4403, 'full', current } end
redis.call('SET', prefix .. id, owner .. '|' .. session, 'PX', lease)
redis.call('SADD', ids, id)
return { 'ok', id, publish(room, master, prefix, ids, channel), replaced }
`;

/** KEYS: room, master, ids, the member's key. ARGV: owner, slave key prefix, channel. Takes the member out if it still holds its key. */
export const LEAVE = `${COMMON}
local room, master, ids, key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local h = redis.call('GET', key)
if not h or holder_owner(h) ~= ARGV[1] then return '' end
redis.call('DEL', key)
if key ~= master then redis.call('SREM', ids, string.match(key, '(%d+)$')) end
if not redis.call('GET', master) and #live(ARGV[2], ids) == 0 then redis.call('DEL', room) return '' end
return publish(room, master, ARGV[2], ids, ARGV[3])
`;

/** KEYS: room, master, ids. ARGV: owner, max_slaves, slave key prefix, channel. Only the master's holder may. */
export const MAX_SLAVES = `${COMMON}
local room, master, ids = KEYS[1], KEYS[2], KEYS[3]
local m = redis.call('GET', master)
if not m or holder_owner(m) ~= ARGV[1] then return '' end
redis.call('HSET', room, 'maxSlaves', ARGV[2])
return publish(room, master, ARGV[3], ids, ARGV[4])
`;

/** KEYS: room, master, ids. ARGV: slave key prefix, channel. Tells the room again (a lease ran out). */
export const ANNOUNCE = `${COMMON}
local room, master, ids = KEYS[1], KEYS[2], KEYS[3]
if not redis.call('GET', master) and #live(ARGV[1], ids) == 0 then redis.call('DEL', room) return '' end
return publish(room, master, ARGV[1], ids, ARGV[2])
`;

/**
 * Renews a relay's leases. ARGV: lease ms, then key and holder pairs. A key still held by the same
 * holder gets its lease again; one that is gone or held by another is put back if nobody holds it
 * (the broker restarted, or the lease ran out while the broker was away) or reported lost.
 * Returns the lost keys.
 */
export const RENEW = `
local lease, lost = tonumber(ARGV[1]), {}
for i = 2, #ARGV, 2 do
  local key, holder = ARGV[i], ARGV[i + 1]
  local h = redis.call('GET', key)
  if h == holder then redis.call('PEXPIRE', key, lease)
  elseif not h then redis.call('SET', key, holder, 'PX', lease)
  else lost[#lost + 1] = key end
end
return lost
`;

/**
 * Puts a room's record back after the broker lost it (a restart), as one of its relays knows it.
 * KEYS: room, ids. ARGV: token hash, max_slaves, lease ms, then slave ids this relay holds.
 */
export const RESTORE = `
local room, ids = KEYS[1], KEYS[2]
if not redis.call('HGET', room, 'token') then redis.call('HSET', room, 'token', ARGV[1], 'maxSlaves', ARGV[2]) end
for i = 4, #ARGV do redis.call('SADD', ids, ARGV[i]) end
return 1
`;
