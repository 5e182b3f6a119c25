// Cross-instance delivery of legacy SSE messages, with two "instances" in one process: each has
// its own bus connection to the real Redis, its own session table and relay. A session announced
// on A is found by B, B's messages reach A's transport (and come back on A's stream), its record
// follows the session (protocol version, expiry refresh, withdrawal), and a holder that is gone
// answers "nobody". Agent access events travel the same bus.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, expect, it } from 'vitest';
import { SessionTable } from '@/lib/mcp/gateway/session-table';
import { WebSseServerTransport } from '@/lib/mcp/gateway/sse-transport';
import { TEST_REDIS_URL, describeWithRedis } from '@/lib/ratelimit/test-redis';
import { listenForAgentAccessEnded, publishAgentAccessEnded, type AgentAccessEnded } from './agent-access';
import { RedisClusterBus } from './bus';
import { SseRelay, sseRecordKey, type RelayedMessage } from './sse-relay';

const buses: RedisClusterBus[] = [];
const raw = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, disableClientInfo: true });
raw.on('error', () => {});

afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  raw.disconnect();
});

interface Session {
  transport: WebSseServerTransport;
  received: JSONRPCMessage[];
}

/** One instance: a bus, a session table, a relay delivering into the table's transports. */
function instance(name: string) {
  const bus = new RedisClusterBus({ url: TEST_REDIS_URL, instanceId: `${name}-${randomUUID().slice(0, 8)}` });
  buses.push(bus);
  const table = new SessionTable<Session>({ dispose: (s) => s.transport.close() });
  const relay = new SseRelay(bus, {
    ttlSeconds: 60,
    refreshEveryMs: 0,
    deliver: (id, message: RelayedMessage) => {
      const session = table.get(id, message.agentId);
      if (!session) return;
      void session.transport.handlePostMessage(
        new Request(new URL(message.path, 'http://localhost'), { method: 'POST', headers: { 'content-type': 'application/json' } }),
        message.body,
      );
    },
  });
  /** Opens a session here, as GET …/sse does; the "server" answers every request on the stream. */
  const open = async (agentId: string) => {
    const transport = new WebSseServerTransport({ messagesUrl: '/.well-known/mcp/messages', keepAliveMs: 0 });
    const session: Session = { transport, received: [] };
    table.add(transport.sessionId, session, { ownerKey: agentId, orgId: 'org' });
    transport.onclose = () => {
      table.remove(transport.sessionId);
      void relay.withdraw(transport.sessionId);
    };
    transport.onmessage = (message) => {
      session.received.push(message);
      if ('id' in message && 'method' in message) void transport.send({ jsonrpc: '2.0', id: message.id, result: { echoed: message.method } });
    };
    await transport.start();
    expect(await relay.announce(transport.sessionId, { agentId, orgId: 'org', jti: 'jti-1' })).toBe(true);
    const reader = transport.response().body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 3000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`nothing like ${pattern}; got ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; got ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    return { id: transport.sessionId, session, readUntil };
  };
  return { bus, table, relay, open };
}

await describeWithRedis('SseRelay across two instances', () => {
  it('finds a session held by another instance and hands it messages, whose answers go down the holder’s stream', async () => {
    const [a, b] = [instance('a'), instance('b')];
    const { id, session, readUntil } = await open(a, 'agent-1');
    const record = await b.relay.lookup(id);
    expect(record).toEqual({ instance: a.bus.instanceId, agentId: 'agent-1', orgId: 'org', jti: 'jti-1', protocolVersion: null });

    const path = `/.well-known/mcp/messages?sessionId=${id}`;
    expect(await b.relay.forward(id, { agentId: 'agent-1', body: { jsonrpc: '2.0', id: 7, method: 'tools/list' }, path })).toBe(true);
    await readUntil(/"id":7,"result":\{"echoed":"tools\/list"\}/);
    // A batch (2024-11-05) arrives element by element, in order.
    await b.relay.forward(id, { agentId: 'agent-1', body: [{ jsonrpc: '2.0', id: 8, method: 'ping' }, { jsonrpc: '2.0', method: 'notifications/x' }], path });
    await readUntil(/"id":8,/);
    expect(session.received.map((m) => ('method' in m ? m.method : null))).toEqual(['tools/list', 'ping', 'notifications/x']);

    // The holder delivers only to the agent that owns the session.
    await b.relay.forward(id, { agentId: 'someone-else', body: { jsonrpc: '2.0', id: 9, method: 'ping' }, path });
    await new Promise((r) => setTimeout(r, 100));
    expect(session.received).toHaveLength(3);
    session.transport.close();
  });

  it('records the protocol version for every instance, refreshes the expiry on activity and drops the record with the session', async () => {
    const [a, b] = [instance('a'), instance('b')];
    const { id, session } = await open(a, 'agent-2');
    await raw.connect().catch(() => {});
    await raw.expire(sseRecordKey(id), 5);
    await b.relay.noteProtocolVersion(id, '2025-06-18');
    expect((await a.relay.lookup(id))?.protocolVersion).toBe('2025-06-18');
    expect(await raw.ttl(sseRecordKey(id))).toBeLessThanOrEqual(5); // the update kept the expiry
    a.relay.touch(id);
    await new Promise((r) => setTimeout(r, 50));
    expect(await raw.ttl(sseRecordKey(id))).toBeGreaterThan(50);

    session.transport.close(); // → withdraw
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.relay.lookup(id)).toBeNull();
    expect(await raw.exists(sseRecordKey(id))).toBe(0);
    expect(a.relay.held).toBe(0);
    // A version noted after the end does not bring the record back.
    await b.relay.noteProtocolVersion(id, '2024-11-05');
    expect(await raw.exists(sseRecordKey(id))).toBe(0);
  });

  it('answers "nobody holds it" when the holder is gone, and drops the stale record', async () => {
    const [a, b] = [instance('a'), instance('b')];
    const { id } = await open(a, 'agent-3');
    await a.bus.close(); // the holder crashed: its subscription is gone, its record is not
    expect(await b.relay.lookup(id)).not.toBeNull();
    expect(await b.relay.forward(id, { agentId: 'agent-3', body: { jsonrpc: '2.0', id: 1, method: 'ping' }, path: '/' })).toBe(false);
    expect(await b.relay.lookup(id)).toBeNull();
    expect(await b.relay.lookup('not-a-session-id')).toBeNull();
  });

  it('withdraws a session closed while it was being announced', async () => {
    const a = instance('a');
    const id = randomUUID();
    const announcing = a.relay.announce(id, { agentId: 'agent-4', orgId: 'org', jti: null });
    await a.relay.withdraw(id);
    await announcing;
    expect(await a.relay.lookup(id)).toBeNull();
  });

  it('carries agent access events to the other instances only', async () => {
    const [a, b] = [instance('a'), instance('b')];
    const seenA: AgentAccessEnded[] = [];
    const seenB: AgentAccessEnded[] = [];
    expect(await listenForAgentAccessEnded(a.bus, (e) => seenA.push(e)).ready).toBe(true);
    expect(await listenForAgentAccessEnded(b.bus, (e) => seenB.push(e)).ready).toBe(true);
    const agentId = randomUUID();
    expect(await publishAgentAccessEnded(b.bus, { agentId, jti: 'j1', closeSessions: true })).toBe(true);
    expect(await publishAgentAccessEnded(b.bus, { agentId, closeSessions: false })).toBe(true);
    const deadline = Date.now() + 3000;
    while (seenA.filter((e) => e.agentId === agentId).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seenA.filter((e) => e.agentId === agentId)).toEqual([
      { agentId, jti: 'j1', closeSessions: true },
      { agentId, closeSessions: false },
    ]);
    expect(seenB.filter((e) => e.agentId === agentId)).toEqual([]);
  });
});

function open(inst: ReturnType<typeof instance>, agentId: string) {
  return inst.open(agentId);
}
