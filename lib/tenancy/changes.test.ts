// Organization changes, for caches of an organization's configuration: a generation per
// organization on this instance, a quiet while after each change, and the other instances told
// through the cluster bus (real Redis: two buses are two instances).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisClusterBus, setClusterBusForTests } from '@/lib/cluster/bus';
import { TEST_REDIS_URL, describeWithRedis } from '@/lib/ratelimit/test-redis';
import { listenForOrgChanges, orgChanged, orgGeneration, orgSettled, ORG_CHANGES_CHANNEL } from './changes';

afterEach(() => setClusterBusForTests(undefined));

describe('orgChanged', () => {
  it('moves the organization to a new generation and unsettles it for a while; other organizations keep theirs', () => {
    const [org, other] = [randomUUID(), randomUUID()];
    expect(orgSettled(org)).toBe(true);
    const before = orgGeneration(org);
    const otherBefore = orgGeneration(other);
    orgChanged(org);
    expect(orgGeneration(org)).toBe(before + 1);
    expect(orgSettled(org)).toBe(false);
    expect(orgGeneration(other)).toBe(otherBefore);
    expect(orgSettled(other)).toBe(true);
    orgChanged(null);
  });
});

describeWithRedis('orgChanged across instances', () => {
  const open: RedisClusterBus[] = [];
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
  });
  const bus = () => {
    const b = new RedisClusterBus({ url: TEST_REDIS_URL });
    open.push(b);
    return b;
  };

  it('tells the other instances, which apply it; an instance ignores its own and malformed events', async () => {
    const [here, there] = [bus(), bus()];
    const heardThere: string[] = [];
    const heardHere: string[] = [];
    expect(await listenForOrgChanges(there, (org) => heardThere.push(org))!.ready).toBe(true);
    expect(await listenForOrgChanges(here, (org) => heardHere.push(org))!.ready).toBe(true);
    setClusterBusForTests(here);
    const org = randomUUID();
    orgChanged(org);
    await expect.poll(() => heardThere, { timeout: 2_000 }).toEqual([org]);
    await here.publish(ORG_CHANGES_CHANNEL, { from: 'someone', orgId: 'not-an-id' });
    await here.publish(ORG_CHANGES_CHANNEL, { from: 'someone', orgId: org });
    await expect.poll(() => heardThere.length, { timeout: 2_000 }).toBe(2);
    expect(heardThere).toEqual([org, org]);
    // Its own event was applied where it happened, not again from the bus.
    expect(heardHere).toEqual([org]);
  });
});
