// The legacy HTTP+SSE gateway with REDIS_URL, as one of several instances: this process is one
// instance (its route handlers, its session table, its bus); "the other instance" is a second bus
// connection with its own relay. A session opened here takes messages POSTed there; a POST here
// for a session held there is checked as a local one would be and relayed; revocations and
// disabled agents travel both ways. The machine's Redis (TEST_REDIS_URL), the test database.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as messagesRoute from '@/app/.well-known/mcp/messages/route';
import * as sseRoute from '@/app/.well-known/mcp/sse/route';
import { issuedTokens } from '@/db/schema';
import { revokeAgentToken } from '@/lib/agents/tokens';
import { verifyAgentToken } from '@/lib/auth/agent-jwt';
import { listenForAgentAccessEnded, publishAgentAccessEnded, type AgentAccessEnded } from '@/lib/cluster/agent-access';
import { closeClusterBus, getClusterBus, RedisClusterBus } from '@/lib/cluster/bus';
import { SseRelay, type RelayedMessage } from '@/lib/cluster/sse-relay';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy } from '@/lib/policy/service';
import { closeRateLimiter } from '@/lib/ratelimit';
import { TEST_REDIS_URL, describeWithRedis } from '@/lib/ratelimit/test-redis';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { resetGatewaySessions } from './sessions';

const testDb = setupTestDb();

const BASE = 'http://localhost:3000';
let upstream: TestMcpServer;
let org: TestOrg;
let agentId: string;
let token: string;
let other: { bus: RedisClusterBus; relay: SseRelay; delivered: { id: string; message: RelayedMessage }[] };

const initialize = (id: number, protocolVersion = '2024-11-05') => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'cluster-test', version: '1' } },
});

const post = (path: string, body: unknown, bearer = token, headers: Record<string, string> = {}) =>
  messagesRoute.POST(
    new Request(new URL(path, BASE), {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, ...headers },
    }),
  );

/** GET …/sse here; reads the stream as it goes. */
async function openHere(bearer = token) {
  const controller = new AbortController();
  const res = await sseRoute.GET(new Request(new URL('/.well-known/mcp/sse', BASE), { headers: { authorization: `Bearer ${bearer}` }, signal: controller.signal }));
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  let ended = false;
  const readUntil = async (pattern: RegExp): Promise<RegExpExecArray> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const match = pattern.exec(text);
      if (match) return match;
      if (Date.now() > deadline || ended) throw new Error(`nothing like ${pattern}; got ${text}`);
      const { value, done } = await reader.read();
      if (done) ended = true;
      else text += new TextDecoder().decode(value);
    }
  };
  const path = (await readUntil(/event: endpoint\ndata: (\S+)\n\n/))[1]!;
  const closed = async () => {
    while (!ended) {
      const { done } = await reader.read().catch(() => ({ done: true }));
      if (done) ended = true;
    }
  };
  return { path, id: new URL(path, BASE).searchParams.get('sessionId')!, readUntil, closed, text: () => text, abort: () => controller.abort() };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A `message` event answering request `id` whose data contains every one of `parts`. */
const answer = (id: number, ...parts: string[]) =>
  new RegExp(`event: message\ndata: (?=[^\n]*"id":${id}[,}])${parts.map((p) => `(?=[^\n]*${escape(p)})`).join('')}`);

const until = async (check: () => boolean | Promise<boolean>, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

await describeWithRedis('legacy HTTP+SSE across instances (REDIS_URL)', () => {
  beforeAll(async () => {
    Object.assign(process.env, { UPSTREAM_ALLOW_PRIVATE: 'true', REDIS_URL: TEST_REDIS_URL });
    resetEnvCache();
    await closeClusterBus();
    await closeRateLimiter();
    resetGatewaySessions();
    upstream = await startTestMcpServer({ tools: [{ name: 'echo', description: 'Echoes text' }] });
    org = await makeOrg(undefined, 'cluster');
    const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'ev', endpoint: upstream.url }));
    await syncConnection(org.ownerCtx, c.id);
    agentId = (await makeAgent(org)).id;
    ({ token } = await makeAgentToken(org, agentId));
    await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'cluster', rules_json: { allow: ['ev/echo'] } }));
    const bus = new RedisClusterBus({ url: TEST_REDIS_URL, instanceId: `other-${randomUUID().slice(0, 8)}` });
    const delivered: { id: string; message: RelayedMessage }[] = [];
    other = { bus, delivered, relay: new SseRelay(bus, { ttlSeconds: 60, deliver: (id, message) => void delivered.push({ id, message }) }) };
  });

  afterAll(async () => {
    resetGatewaySessions();
    await other?.bus.close();
    await closeClusterBus();
    await closeRateLimiter();
    await upstream?.close();
    delete process.env.UPSTREAM_ALLOW_PRIVATE;
    delete process.env.REDIS_URL;
    resetEnvCache();
  });

  it('announces a session opened here, and serves the messages the other instance relays to it', async () => {
    const here = await openHere();
    const record = await other.relay.lookup(here.id);
    expect(record).toMatchObject({ instance: getClusterBus().instanceId, agentId, orgId: org.id, protocolVersion: null });

    // initialize POSTed there: its protocol version is recorded for every instance, its answer comes here.
    const relayed = (body: unknown) => other.relay.forward(here.id, { agentId, body, path: here.path });
    expect(await relayed(initialize(1))).toBe(true);
    await here.readUntil(answer(1, '"serverInfo"'));
    expect(await relayed({ jsonrpc: '2.0', method: 'notifications/initialized' })).toBe(true);
    expect(await relayed({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).toBe(true);
    await here.readUntil(answer(2, '"tools":[', '"name":"echo"'));
    expect(await relayed({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'via B' } } })).toBe(true);
    await here.readUntil(answer(3, '"content":[{"type":"text","text":"echo: via B"}]'));
    // Another agent's message for this session is not delivered (the holder checks the owner too).
    await other.relay.forward(here.id, { agentId: randomUUID(), body: { jsonrpc: '2.0', id: 5, method: 'ping' }, path: here.path });
    await relayed({ jsonrpc: '2.0', id: 6, method: 'ping' });
    await here.readUntil(answer(6, '"result":{}'));
    expect(here.text()).not.toMatch(answer(5));

    // Closed here: the record goes, and the other instance finds nobody.
    here.abort();
    await until(async () => (await other.relay.lookup(here.id)) === null);
  });

  it('relays a POST for a session the other instance holds, after the same checks as a local one', async () => {
    const sessionId = randomUUID();
    expect(await other.relay.announce(sessionId, { agentId, orgId: org.id, jti: null })).toBe(true);
    const path = `/.well-known/mcp/messages?sessionId=${sessionId}`;
    const mine = () => other.delivered.filter((d) => d.id === sessionId).map((d) => d.message);

    const ok = await post(path, { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(ok.status).toBe(202);
    expect(await ok.text()).toBe('Accepted');
    await until(() => mine().length === 1);
    expect(mine()[0]).toEqual({ from: getClusterBus().instanceId, agentId, body: { jsonrpc: '2.0', id: 1, method: 'ping' }, path });
    expect(JSON.stringify(mine()[0])).not.toContain(token);

    // Another agent, an unknown session, a bad id: 404 as for a local session. Nothing relayed.
    const stranger = await makeAgent(org);
    const { token: strangerToken } = await makeAgentToken(org, stranger.id);
    expect((await post(path, { jsonrpc: '2.0', id: 2, method: 'ping' }, strangerToken)).status).toBe(404);
    expect((await post(`/.well-known/mcp/messages?sessionId=${randomUUID()}`, { jsonrpc: '2.0', id: 2, method: 'ping' })).status).toBe(404);
    expect((await post('/.well-known/mcp/messages?sessionId=*', { jsonrpc: '2.0', id: 2, method: 'ping' })).status).toBe(404);
    // No credential: 401 before anything else.
    expect((await post(path, { jsonrpc: '2.0', id: 2, method: 'ping' }, 'nope')).status).toBe(401);
    // What the holder's transport would refuse is refused here.
    expect((await post(path, { jsonrpc: '2.0', id: 2, method: 'ping' }, token, { 'content-type': 'application/json; charset=latin1' })).status).toBe(415);
    expect((await post(path, { id: 2, hello: 'world' })).status).toBe(400);
    expect((await post(path, [])).status).toBe(400);
    expect((await post(path, '{not json')).status).toBe(400);
    expect((await post(path, 'x'.repeat(1024 * 1024 + 10))).status).toBe(413);
    // Batches: allowed until an initialize asks for 2025-06-18, from then on refused everywhere.
    expect((await post(path, [{ jsonrpc: '2.0', id: 3, method: 'ping' }])).status).toBe(202);
    expect((await post(path, initialize(4, '2025-06-18'))).status).toBe(202);
    expect((await other.relay.lookup(sessionId))?.protocolVersion).toBe('2025-06-18');
    const batch = await post(path, [{ jsonrpc: '2.0', id: 5, method: 'ping' }]);
    expect(batch.status).toBe(400);
    expect((await batch.json()).error.code).toBe(-32600);
    await until(() => mine().length === 3);
    expect(mine().map((m) => m.body)).toEqual([{ jsonrpc: '2.0', id: 1, method: 'ping' }, [{ jsonrpc: '2.0', id: 3, method: 'ping' }], initialize(4, '2025-06-18')]);

    // The holder is gone without withdrawing (a crash): nobody hears the channel → 404, record dropped.
    const gone = new RedisClusterBus({ url: TEST_REDIS_URL });
    const crashed = new SseRelay(gone, { ttlSeconds: 60, deliver: () => {} });
    const orphan = randomUUID();
    await crashed.announce(orphan, { agentId, orgId: org.id, jti: null });
    await gone.close();
    expect((await post(`/.well-known/mcp/messages?sessionId=${orphan}`, { jsonrpc: '2.0', id: 6, method: 'ping' })).status).toBe(404);
    expect(await other.relay.lookup(orphan)).toBeNull();

    await other.relay.withdraw(sessionId);
    expect((await post(path, { jsonrpc: '2.0', id: 7, method: 'ping' })).status).toBe(404);
  });

  it('tells the other instances about a revocation here, and acts at once on theirs', async () => {
    const events: AgentAccessEnded[] = [];
    expect(await listenForAgentAccessEnded(other.bus, (e) => events.push(e)).ready).toBe(true);

    // Revoked here → the other instance hears it.
    const first = await makeAgentToken(org, agentId);
    await revokeAgentToken(org.ownerCtx, agentId, first.jti);
    await until(() => events.some((e) => e.jti === first.jti));
    expect(events.find((e) => e.jti === first.jti)).toEqual({ agentId, jti: first.jti, closeSessions: true });

    // Revoked there (the database row changed, the event published there) → this instance closes
    // the token's session and forgets the verification it remembered, at once.
    const second = await makeAgentToken(org, agentId);
    const here = await openHere(second.token);
    const kept = await openHere(token); // another token of the same agent: stays open
    expect(await verifyAgentToken(testDb.db, second.token)).not.toBeNull();
    await testDb.db.update(issuedTokens).set({ revokedAt: new Date() }).where(eq(issuedTokens.jti, second.jti));
    expect(await verifyAgentToken(testDb.db, second.token)).not.toBeNull(); // remembered for up to a second
    const started = Date.now();
    expect(await publishAgentAccessEnded(other.bus, { agentId, jti: second.jti, closeSessions: true })).toBe(true);
    await here.closed();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await verifyAgentToken(testDb.db, second.token)).toBeNull();
    expect((await post(kept.path, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(202);
    await kept.readUntil(answer(1, '"result":{}'));

    // The agent disabled there → every session of it here closes.
    await publishAgentAccessEnded(other.bus, { agentId, closeSessions: true });
    await kept.closed();
  });
});
