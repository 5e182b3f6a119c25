// The cluster bus against the real Redis 7 (TEST_REDIS_URL): two buses are two instances. Messages
// reach the other instance's subscribers (and PUBLISH counts them), keys expire, a Redis that is
// unreachable or goes away fails calls within about a second without crashing anything, and the
// subscriber comes back with its channels after an outage — through a TCP proxy of our own, never
// by stopping the machine's Redis. The in-process bus (no REDIS_URL) keeps the same API.
import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { startTcpProxy } from '@/test/helpers/net';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL, deleteKeysWithPrefix, describeWithRedis } from '@/lib/ratelimit/test-redis';
import { ClusterUnavailable, LocalClusterBus, RedisClusterBus, type BusMessage } from './bus';
import { rejection } from '@/test/helpers/rejection';

const prefix = `axs-test:cluster:${randomUUID().slice(0, 8)}:`;
const open: RedisClusterBus[] = [];

function bus(options: Partial<ConstructorParameters<typeof RedisClusterBus>[0]> = {}): RedisClusterBus {
  const b = new RedisClusterBus({ url: TEST_REDIS_URL, ...options });
  open.push(b);
  return b;
}

afterAll(async () => {
  await Promise.all(open.map((b) => b.close()));
  await deleteKeysWithPrefix(prefix);
});

/** Collects a channel's messages; next() waits (up to 3 s) for the next one not yet taken. */
function inbox() {
  const messages: BusMessage[] = [];
  let taken = 0;
  return {
    messages,
    handler: (m: BusMessage) => void messages.push(m),
    next: async (): Promise<BusMessage> => {
      const deadline = Date.now() + 3000;
      while (messages.length <= taken) {
        if (Date.now() > deadline) throw new Error('no message within 3 s');
        await new Promise((r) => setTimeout(r, 10));
      }
      return messages[taken++]!;
    },
  };
}

await describeWithRedis('RedisClusterBus', () => {
  it('delivers a message published on one instance to the subscribers of another, and counts them', async () => {
    const [a, b] = [bus(), bus()];
    expect(a.instanceId).not.toBe(b.instanceId);
    const channel = `${prefix}ch:${randomUUID()}`;
    const box = inbox();
    const sub = b.subscribe(channel, box.handler);
    expect(await sub.ready).toBe(true);
    expect(await a.publish(channel, { hello: 'world', n: 1 })).toBe(1);
    expect(await box.next()).toEqual({ hello: 'world', n: 1 });
    // A second handler on the same channel shares the one subscription.
    const box2 = inbox();
    const sub2 = b.subscribe(channel, box2.handler);
    expect(await sub2.ready).toBe(true);
    expect(await a.publish(channel, { n: 2 })).toBe(1);
    expect(await box.next()).toEqual({ n: 2 });
    expect(await box2.next()).toEqual({ n: 2 });
    sub.close();
    sub2.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.publish(channel, { n: 3 })).toBe(0);
    expect(box.messages).toHaveLength(2);
  });

  it('keeps a throwing handler from affecting the others', async () => {
    const [a, b] = [bus(), bus()];
    const channel = `${prefix}ch:${randomUUID()}`;
    const box = inbox();
    b.subscribe(channel, () => {
      throw new Error('boom');
    });
    expect(await b.subscribe(channel, box.handler).ready).toBe(true);
    await a.publish(channel, { ok: true });
    expect(await box.next()).toEqual({ ok: true });
  });

  it('stores JSON values with expiry, refreshes and deletes them, and updates only existing keys', async () => {
    const [a, b] = [bus(), bus()];
    const key = `${prefix}k:${randomUUID()}`;
    expect(await b.getJson(key)).toBeNull();
    expect(await a.setJson(key, { v: 1 }, { onlyIfExists: true })).toBe(false);
    expect(await b.getJson(key)).toBeNull();
    expect(await a.setJson(key, { v: 1 }, { ttlSeconds: 1 })).toBe(true);
    expect(await b.getJson(key)).toEqual({ v: 1 });
    expect(await b.setJson(key, { v: 2 }, { onlyIfExists: true })).toBe(true);
    expect(await a.getJson(key)).toEqual({ v: 2 });
    const short = `${prefix}k:${randomUUID()}`;
    await a.setJson(short, { v: 3 }, { ttlSeconds: 1 });
    await a.expire(key, 60);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await b.getJson(key)).toEqual({ v: 2 }); // refreshed: still there after its first second
    expect(await b.getJson(short)).toBeNull(); // not refreshed: gone
    await b.del(key);
    expect(await a.getJson(key)).toBeNull();
  });

  it('fails within about a second while Redis is gone, without crashing, and hears its channels again once it is back', async () => {
    const proxy = await startTcpProxy(new URL(TEST_REDIS_URL));
    const viaProxy = bus({ url: proxy.url });
    const direct = bus();
    const channel = `${prefix}ch:${randomUUID()}`;
    const box = inbox();
    expect(await viaProxy.subscribe(channel, box.handler).ready).toBe(true);
    expect(await direct.publish(channel, { before: true })).toBe(1);
    expect(await box.next()).toEqual({ before: true });

    await proxy.stop(); // connections cut, port closed: what a Redis crash looks like
    const during = await rejection(() => viaProxy.publish(channel, { during: true }));
    expect(during.error).toBeInstanceOf(ClusterUnavailable);
    expect(during.ms).toBeLessThan(1500);
    expect((await rejection(() => viaProxy.getJson(`${prefix}x`))).error).toBeInstanceOf(ClusterUnavailable);
    // A subscription made during the outage is not confirmed in time, but is kept.
    const later = inbox();
    const laterChannel = `${prefix}ch:${randomUUID()}`;
    expect(await viaProxy.subscribe(laterChannel, later.handler).ready).toBe(false);

    await proxy.start();
    // Back: both channels are subscribed again (autoResubscribe, and the queued SUBSCRIBE).
    let delivered = 0;
    for (let i = 0; i < 60 && delivered < 2; i++) {
      delivered = (await direct.publish(channel, { after: i })) + (await direct.publish(laterChannel, { after: i }));
      if (delivered < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(delivered).toBe(2);
    expect(await box.next()).toMatchObject({ after: expect.any(Number) });
    expect(await later.next()).toMatchObject({ after: expect.any(Number) });
    let published: number | undefined;
    for (let i = 0; i < 30 && published === undefined; i++) {
      published = await viaProxy.publish(channel, { again: true }).catch(() => new Promise((r) => setTimeout(r, 100)).then(() => undefined));
    }
    expect(published).toBe(1);
    await proxy.stop();
  });
});

describe('RedisClusterBus without a Redis', () => {
  it('fails at once when nothing listens, never naming the URL or its password', async () => {
    const b = bus({ url: 'redis://:s3cret-pw@127.0.0.1:1' });
    for (let i = 0; i < 2; i++) {
      const { error, ms } = await rejection(() => b.publish('axs-test:none', { x: 1 }));
      expect(error).toBeInstanceOf(ClusterUnavailable);
      expect((error as Error).message).not.toContain('s3cret-pw');
      expect(ms).toBeLessThan(2000);
    }
    expect(await b.subscribe('axs-test:none', () => {}).ready).toBe(false);
  });

  it('fails within the timeout when the server accepts but never answers', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const b = bus({ url: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}` });
      const { error, ms } = await rejection(() => b.getJson('k'));
      expect(error).toBeInstanceOf(ClusterUnavailable);
      expect(ms).toBeLessThan(2500);
      await b.close();
    } finally {
      silent.close();
    }
  });
});

describe('LocalClusterBus (no REDIS_URL)', () => {
  it('is this process only: publish reaches local subscribers after it returns; keys expire', async () => {
    const b = new LocalClusterBus();
    expect(b.shared).toBe(false);
    const box = inbox();
    const sub = b.subscribe('c', box.handler);
    expect(await sub.ready).toBe(true);
    const message = { n: 1 };
    expect(await b.publish('c', message)).toBe(1);
    message.n = 2; // a copy was sent
    expect(await box.next()).toEqual({ n: 1 });
    sub.close();
    expect(await b.publish('c', { n: 3 })).toBe(0);
    expect(await b.setJson('k', 1, { onlyIfExists: true })).toBe(false);
    await b.setJson('k', { v: 1 }, { ttlSeconds: 0.05 });
    expect(await b.getJson('k')).toEqual({ v: 1 });
    await new Promise((r) => setTimeout(r, 80));
    expect(await b.getJson('k')).toBeNull();
  });
});
