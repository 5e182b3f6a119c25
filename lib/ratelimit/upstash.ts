// Token buckets in Upstash Redis over its REST API (UPSTASH_REDIS_REST_URL and _TOKEN), with the
// same script as the Redis backend (token-bucket.ts): EVALSHA, and EVAL when the store answers
// NOSCRIPT. Not @upstash/ratelimit: its scripts start with `#!lua flags=allow-key-locking`, which
// plain Redis 7.0 refuses, and ours must run on both.
//
// @upstash/redis batches the commands issued in the same tick into one POST /pipeline (auto-
// pipelining), so a burst of consumes costs one HTTP round trip. Each request has a deadline
// (default 1 s, no retry after it) and a connection failure is retried once; every failure —
// unreachable, timed out, refused token, script error — is thrown as RateLimitStoreUnavailable.
// Tested against the local Redis 7 through test/helpers/upstash-rest.ts (the REST protocol as
// @upstash/redis speaks it), not against Upstash's service itself.
import { createHash } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { DEFAULT_KEY_PREFIX, TOKEN_BUCKET_LUA, assertValidRequest, parseScriptReply, scriptArgs } from './token-bucket';
import { RateLimitStoreUnavailable, type BucketRule, type LimitResult, type RateLimiter } from './types';

export interface UpstashRateLimiterOptions {
  /** The database's REST URL (https://….upstash.io). */
  url: string;
  /** Its REST token: a secret, never logged. */
  token: string;
  /** Prepended to every bucket key (default `axs:rl:`). */
  prefix?: string;
  /** Deadline of one HTTP request to the store. */
  timeoutMs?: number;
  /**
   * Whose clock refills the buckets: `server` (Redis TIME inside the script, the default: every
   * instance agrees) or `client` (this process's Date.now() passed to the script, for a store that
   * insists on deterministic scripts; instances then need synchronized clocks).
   */
  clock?: 'server' | 'client';
  /** The script to run; tests pass a variant to exercise the NOSCRIPT fallback. */
  script?: string;
}

export class UpstashRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly clock: 'server' | 'client';
  private readonly script: string;
  private readonly sha: string;

  constructor(options: UpstashRateLimiterOptions) {
    const timeoutMs = options.timeoutMs ?? 1000;
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.clock = options.clock ?? 'server';
    this.script = options.script ?? TOKEN_BUCKET_LUA;
    this.sha = createHash('sha1').update(this.script).digest('hex');
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      // A fresh deadline per HTTP request; an aborted request is not retried.
      signal: () => AbortSignal.timeout(timeoutMs),
      retry: { retries: 1, backoff: () => 50 },
      automaticDeserialization: false,
      enableTelemetry: false,
    });
  }

  async consume(key: string, rule: BucketRule, cost = 1): Promise<LimitResult> {
    assertValidRequest(rule, cost);
    const keys = [this.prefix + key];
    const args = scriptArgs(rule, cost, this.clock === 'client' ? Date.now() * 1000 : undefined);
    try {
      let reply: unknown;
      try {
        reply = await this.redis.evalsha(this.sha, keys, args);
      } catch (error) {
        if (!(error instanceof Error) || !/NOSCRIPT/i.test(error.message)) throw error;
        reply = await this.redis.eval(this.script, keys, args);
      }
      return parseScriptReply(reply);
    } catch (error) {
      throw new RateLimitStoreUnavailable('upstash', error);
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.redis.del(this.prefix + key);
    } catch (error) {
      throw new RateLimitStoreUnavailable('upstash', error);
    }
  }

  /** Nothing to release: requests are independent HTTP calls. */
  async close(): Promise<void> {}
}
