// The Redis the rate-limit tests run against (TEST_REDIS_URL, default the local one), a key prefix
// per test file, and the rule that a missing Redis fails those tests loudly: CI always has one,
// and a silent skip would hide the shared backends from every run. AXS_SKIP_REDIS_TESTS=1 skips
// them on purpose. Test-only: imported by *.test.ts files, never by the application.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { describe, it } from 'vitest';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix no other test file (or run) shares. */
export function testKeyPrefix(): string {
  return `axs-test:rl:${randomUUID().slice(0, 8)}:`;
}

/** undefined when Redis answers PING, else why not. */
async function probe(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    disableClientInfo: true,
  });
  let cause: Error | undefined;
  client.on('error', (error: Error) => void (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (cause ?? (error as Error)).message;
  } finally {
    client.disconnect();
  }
}

/**
 * describe() for suites that need Redis: runs them when it answers; skips them when
 * AXS_SKIP_REDIS_TESTS=1; otherwise replaces them with one failing test that says what is wrong.
 */
export async function describeWithRedis(name: string, body: () => void): Promise<void> {
  if (process.env.AXS_SKIP_REDIS_TESTS === '1') {
    describe.skip(name, body);
    return;
  }
  const problem = await probe(TEST_REDIS_URL);
  if (!problem) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it('needs a reachable Redis', () => {
      throw new Error(
        `Redis is not reachable at ${redactUrl(TEST_REDIS_URL)} (${problem}). Start it ` +
          '(redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no), ' +
          'point TEST_REDIS_URL at one, or set AXS_SKIP_REDIS_TESTS=1 to skip these tests.',
      );
    });
  });
}

/** Deletes every key under `prefix` (SCAN, not KEYS: the Redis may be shared). */
export async function deleteKeysWithPrefix(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 0, disableClientInfo: true, lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await client.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Nothing to clean when Redis is gone; the keys expire or belong to a throwaway prefix.
  } finally {
    client.disconnect();
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable TEST_REDIS_URL)';
  }
}
