// The token bucket as one atomic Lua script, shared by the Redis and Upstash backends, and the
// bits around it both use. Same semantics as MemoryRateLimiter (memory.ts):
//   - a bucket that was never seen (or has expired) is full;
//   - it refills continuously at `refillPerSecond`, never beyond `capacity`;
//   - a request of `cost` tokens takes them all or none; a refusal answers the wait until `cost`
//     tokens will be there (at least 1 s), or never (-1) when the bucket does not refill.
// The time is the Redis server's (TIME), so instances with skewed clocks agree on every bucket;
// TIME before writes is allowed because Redis 7 replicates a script's effects, not the script.
// ARGV[4], when given, replaces it (microseconds since the epoch) for stores that want
// deterministic scripts. The key holds a hash {tokens, ts} and expires when the bucket would be
// full again (a full bucket carries no information), so idle keys vanish. With no refill the key
// never expires: its state is all there is.
// No `#!lua` shebang (flags): Redis 7.0 rejects unknown flags, and none is needed.
import type { BucketRule, LimitResult } from './types';

export const TOKEN_BUCKET_LUA = `-- agentxsuite token bucket v1
-- KEYS[1]: the bucket. ARGV: capacity, refill per second, cost[, now in microseconds].
-- Returns {allowed (1|0), whole tokens remaining, retry-after in ms (-1: never)}.
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now
if ARGV[4] and ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local tokens = capacity
local last = now
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
if state[1] and state[2] then
  tokens = tonumber(state[1])
  last = tonumber(state[2])
  if now > last then
    tokens = tokens + (now - last) * rate / 1000000
    last = now
  end
  -- A clock that went backwards refills nothing: 'last' stays ahead until time catches up.
  if tokens > capacity then tokens = capacity end
end
local MAX_MS = 1e12
if tokens < cost then
  if rate <= 0 then return {0, 0, -1} end
  return {0, 0, math.min(MAX_MS, math.ceil((cost - tokens) * 1000 / rate))}
end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', last))
if rate <= 0 then
  redis.call('PERSIST', KEYS[1])
else
  local full_ms = math.ceil((capacity - tokens) * 1000 / rate + (last - now) / 1000)
  if full_ms > 0 then
    redis.call('PEXPIRE', KEYS[1], math.min(MAX_MS, full_ms))
  else
    redis.call('DEL', KEYS[1])
  end
end
return {1, math.floor(tokens), 0}
`;

/** Where every bucket key lives unless a limiter is given another prefix. */
export const DEFAULT_KEY_PREFIX = 'axs:rl:';

/**
 * Refuses a rule or cost the script could not answer sensibly (NaN, negative, infinite). This is a
 * caller's bug, thrown as a RangeError before the store is asked, never a store failure.
 */
export function assertValidRequest(rule: BucketRule, cost: number): void {
  const ok = (n: number) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!ok(rule.capacity)) throw new RangeError(`rate-limit capacity must be a finite number >= 0, got ${rule.capacity}`);
  if (!ok(rule.refillPerSecond)) {
    throw new RangeError(`rate-limit refillPerSecond must be a finite number >= 0, got ${rule.refillPerSecond}`);
  }
  if (!ok(cost)) throw new RangeError(`rate-limit cost must be a finite number >= 0, got ${cost}`);
}

/** The script's arguments after the key. */
export function scriptArgs(rule: BucketRule, cost: number, nowMicros?: number): string[] {
  const args = [String(rule.capacity), String(rule.refillPerSecond), String(cost)];
  if (nowMicros !== undefined) args.push(String(Math.round(nowMicros)));
  return args;
}

/** The script's reply {allowed, remaining, retry ms} as a LimitResult; throws on anything else. */
export function parseScriptReply(reply: unknown): LimitResult {
  if (!Array.isArray(reply) || reply.length !== 3) {
    throw new Error(`unexpected token-bucket reply: ${JSON.stringify(reply)?.slice(0, 100)}`);
  }
  const [allowed, remaining, retryMs] = reply.map(Number) as [number, number, number];
  if (![allowed, remaining, retryMs].every(Number.isFinite)) {
    throw new Error(`unexpected token-bucket reply: ${JSON.stringify(reply).slice(0, 100)}`);
  }
  if (allowed === 1) return { allowed: true, remaining, retryAfterSeconds: 0 };
  const retryAfterSeconds = retryMs < 0 ? Infinity : Math.max(1, Math.ceil(retryMs / 1000));
  return { allowed: false, remaining: 0, retryAfterSeconds };
}
