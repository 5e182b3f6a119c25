// Token buckets in Redis (REDIS_URL), shared by every instance. One EVALSHA per consume (ioredis'
// defineCommand sends EVAL the first time on each connection and falls back to it on NOSCRIPT).
//
// A down or slow Redis must fail the request quickly, not queue it: no offline queue (a command
// while disconnected fails at once), a 1 s connect and command timeout, and no resend of a command
// whose connection dropped (maxRetriesPerRequest 0: its effect is unknown, resending could charge
// twice). The client reconnects in the background with a backoff capped at 1 s, and the first
// command after start waits (up to the connect timeout) for the first connection. Every failure
// is thrown as RateLimitStoreUnavailable.
import Redis from 'ioredis';
import { logger } from '@/lib/observability/logger';
import { DEFAULT_KEY_PREFIX, TOKEN_BUCKET_LUA, assertValidRequest, parseScriptReply, scriptArgs } from './token-bucket';
import { RateLimitStoreUnavailable, type BucketRule, type LimitResult, type RateLimiter } from './types';

export interface RedisRateLimiterOptions {
  /** redis:// or rediss:// URL (may carry a password: never logged). */
  url: string;
  /** Prepended to every bucket key (default `axs:rl:`). */
  prefix?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

type BucketClient = Redis & {
  axsTokenBucket(key: string, ...args: string[]): Promise<unknown>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly client: BucketClient;
  private readonly prefix: string;
  private readonly connectTimeoutMs: number;
  private connecting: Promise<void> | undefined;
  private lastErrorLogged = 0;

  constructor(options: RedisRateLimiterOptions) {
    this.prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    const client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times - 1, 10), 1000) + Math.floor(Math.random() * 100),
      // CLIENT SETINFO is Redis >= 7.2; skip it rather than have 7.0 refuse it on every connect.
      disableClientInfo: true,
      connectionName: 'agentxsuite-ratelimit',
      // Calls consuming at the same moment share one write and one round trip (every tools/call
      // asks Redis once) instead of one each.
      enableAutoPipelining: true,
    });
    client.defineCommand('axsTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    // Without a listener ioredis prints every failed reconnect; log one line per outage instead.
    client.on('error', (error: Error) => this.logError(error));
    client.on('ready', () => {
      if (this.lastErrorLogged) logger().info({ ratelimit_backend: 'redis' }, 'rate-limit store reconnected');
      this.lastErrorLogged = 0;
    });
    this.client = client as BucketClient;
  }

  async consume(key: string, rule: BucketRule, cost = 1): Promise<LimitResult> {
    assertValidRequest(rule, cost);
    try {
      await this.connected();
      const reply = await this.client.axsTokenBucket(this.prefix + key, ...scriptArgs(rule, cost));
      return parseScriptReply(reply);
    } catch (error) {
      throw new RateLimitStoreUnavailable('redis', error);
    }
  }

  async reset(key: string): Promise<void> {
    try {
      await this.connected();
      await this.client.del(this.prefix + key);
    } catch (error) {
      throw new RateLimitStoreUnavailable('redis', error);
    }
  }

  /** Drops the connection at once (pending commands fail) and stops reconnecting. */
  async close(): Promise<void> {
    this.client.disconnect();
  }

  /** Resolves when the client is ready; waits for a first connection, fails fast otherwise. */
  private async connected(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return;
    if (client.status === 'wait') {
      // Failures surface through the 'error'/'close' events and the wait below.
      client.connect().catch(() => {});
    }
    if (client.status === 'connecting' || client.status === 'connect') {
      this.connecting ??= waitForReady(client, this.connectTimeoutMs).finally(() => {
        this.connecting = undefined;
      });
      return this.connecting;
    }
    throw new Error(`connection to Redis is ${client.status}`);
  }

  private logError(error: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLogged < 60_000) return;
    this.lastErrorLogged = now;
    logger().warn({ ratelimit_backend: 'redis', err: { message: error.message } }, 'rate-limit store unreachable');
  }
}

function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let lastError: Error | undefined;
    const done = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('close', onClose);
      client.off('end', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const onError = (error: Error) => void (lastError = error);
    const onClose = () => done(lastError ?? new Error('connection to Redis closed before it was ready'));
    const timer = setTimeout(
      () => done(new Error(`no connection to Redis within ${timeoutMs} ms${lastError ? ` (${lastError.message})` : ''}`)),
      timeoutMs,
    );
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('close', onClose);
    client.on('end', onClose);
  });
}
