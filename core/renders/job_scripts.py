"""The Lua scripts behind `JobStore`: each job transition is one atomic step.

Every key a script touches is passed in KEYS (built by `core.keys.Keys`).
"""

# KEYS: job, chat set, stream[, export request].  ARGV: job id, ttl, field, value, ...
# Returns {'created', entry id}; when the export request has a job already,
# {'earlier', that job's id} and nothing is stored (one job per request).
CREATE = """
if KEYS[4] then
  local earlier = redis.call('HGET', KEYS[4], 'job')
  if earlier then return {'earlier', earlier} end
end
local entry = redis.call('XADD', KEYS[3], '*', 'job', ARGV[1])
redis.call('HSET', KEYS[1], 'entry', entry, unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
if KEYS[4] then
  redis.call('HSET', KEYS[4], 'job', ARGV[1])
  redis.call('EXPIRE', KEYS[4], ARGV[2])
end
return {'created', entry}
"""

# KEYS: job.  ARGV: allowed states (comma separated), expected render id or '',
# field, value, ...  Returns the state before (the change is made only when it is
# allowed and the render id matches), or false when the job is gone.
TRANSITION = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return false end
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == state then allowed = true end
end
if allowed and ARGV[2] ~= '' and redis.call('HGET', KEYS[1], 'render_id') ~= ARGV[2] then
  allowed = false
end
if allowed and #ARGV > 2 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
if allowed then return {'ok', state} end
return {'no', state}
"""

# KEYS: job, chat set, stream, delivered marker.  ARGV: group, allowed states, job id,
# finished ttl, field, value, ...  Like _TRANSITION, and on success the job leaves
# the chat's set and its stream entry is acknowledged and deleted in the same step.
FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return false end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do
  if s == state then allowed = true end
end
if not allowed then return {'no', state} end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
local entry = redis.call('HGET', KEYS[1], 'entry')
if entry and entry ~= '' then
  redis.call('XACK', KEYS[3], ARGV[1], entry)
  redis.call('XDEL', KEYS[3], entry)
end
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ARGV[4]) end
return {'ok', state}
"""

# KEYS: job, delivered marker.  ARGV: holder token, marker ttl, now.
# The one place a delivery is decided: the marker is taken only while the job is
# rendering and nobody took it before, atomically with the move to delivering.
CLAIM_DELIVERY = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', ''} end
local holder = redis.call('GET', KEYS[2])
if holder then return {'taken', holder} end
if state ~= 'rendering' then return {'state', state} end
redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'state', 'delivering', 'updated_at', ARGV[3])
return {'claimed', ARGV[1]}
"""

# KEYS: job, delivered marker, chat set, stream.  ARGV: group, job id, now, ttl.
# Cancels a job that nobody started delivering; returns its render id, or false.
CANCEL = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  redis.call('SREM', KEYS[3], ARGV[2])
  return false
end
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
if state ~= 'submitting' and state ~= 'rendering' then return false end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'updated_at', ARGV[3])
local entry = redis.call('HGET', KEYS[1], 'entry')
if entry and entry ~= '' then
  redis.call('XACK', KEYS[4], ARGV[1], entry)
  redis.call('XDEL', KEYS[4], entry)
end
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return redis.call('HGET', KEYS[1], 'render_id')
"""
