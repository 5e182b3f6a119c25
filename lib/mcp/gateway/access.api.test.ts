// Who may use the gateway, and for how long: a foreign Host is refused before any credential is
// looked at (DNS rebinding), what ends an agent's access (disabled, token revoked) ends its open
// sessions and streams at once — not merely its next request — and on the legacy SSE endpoint
// every element of a 2024-11-05 batch is authorized on its own. Route handlers are called in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as messagesRoute from '@/app/.well-known/mcp/messages/route';
import * as sseRoute from '@/app/.well-known/mcp/sse/route';
import * as route from '@/app/mcp/route';
import { patchAgentSchema } from '@/lib/agents/schemas';
import { updateAgent } from '@/lib/agents/service';
import { revokeAgentToken } from '@/lib/agents/tokens';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import { getDb } from '@/db/client';
import { storeSecret } from '@/lib/secrets/service';
import { mcpSessions, recheckSessions, sseSessions } from './sessions';

setupTestDb();

const BASE = 'http://localhost:3000';
const PROTOCOL = '2025-06-18';
let upstream: TestMcpServer;
let org: TestOrg;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const post = (handler: (req: Request) => Promise<Response>, path: string, body: unknown, headers: Record<string, string> = {}) =>
  handler(
    new Request(new URL(path, BASE), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    }),
  );

const initialize = (protocolVersion = PROTOCOL) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'access-test', version: '1' } },
});

/** A Streamable HTTP session, initialized: its id and the headers every further request carries. */
async function openSession(token: string) {
  const opened = await post(route.POST, '/mcp', initialize(), bearer(token));
  expect(opened.status).toBe(200);
  const sessionId = opened.headers.get('mcp-session-id')!;
  const headers = { ...bearer(token), 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL };
  expect((await post(route.POST, '/mcp', { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
  return { sessionId, headers };
}

/** The session's standalone GET stream, past its opening comment. */
async function openGetStream(headers: Record<string, string>) {
  const res = await route.GET(new Request(new URL('/mcp', BASE), { method: 'GET', headers: { ...headers, accept: 'text/event-stream' } }));
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^: /);
  return reader;
}

/** A legacy SSE stream: its reader (past the endpoint event), messages path and session id. */
async function openSse(token: string) {
  const res = await sseRoute.GET(new Request(new URL('/.well-known/mcp/sse', BASE), { headers: bearer(token) }));
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  const path = /^event: endpoint\ndata: (\S+)/.exec(first)![1]!;
  return { reader, path, sessionId: new URL(path, BASE).searchParams.get('sessionId')! };
}

/** Whether the stream ends (done, or errored) within `ms`; false when it is still open then. */
async function ends(reader: ReadableStreamDefaultReader<Uint8Array>, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const step = await Promise.race([
      reader.read().then(
        (r) => (r.done ? 'done' : 'data'),
        () => 'done',
      ),
      new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), left)),
    ]);
    if (step === 'done') return true;
    if (step === 'open') return false;
    // data (a keep-alive or a late message): keep reading until the end or the deadline.
  }
}

/** Reads SSE `message` events from `reader` until every id in `ids` has an answer. */
async function answers(reader: ReadableStreamDefaultReader<Uint8Array>, ids: number[], ms = 10_000) {
  const found = new Map<number, { result?: { isError?: boolean; content?: { type: string; text: string }[] }; error?: { code: number; message: string } }>();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + ms;
  while (!ids.every((id) => found.has(id))) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no answer for ${ids.filter((id) => !found.has(id)).join(', ')} within ${ms} ms`);
    const read = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stream silent')), left))]);
    if (read.done) throw new Error('stream ended before every answer came');
    buffer += decoder.decode(read.value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = event.split('\n').find((l) => l.startsWith('data: '));
      if (!event.startsWith('event: message') || !data) continue;
      const message = JSON.parse(data.slice(6));
      if (typeof message.id === 'number') found.set(message.id, message);
    }
  }
  return found;
}

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({ tools: [{ name: 'echo', description: 'Echoes text' }, { name: 'hidden', description: 'Never allowed' }] });
  org = await makeOrg(undefined, 'access');
  const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'ev', endpoint: upstream.url }));
  await syncConnection(org.ownerCtx, c.id);
  await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'access', rules_json: { allow: ['ev/echo'] } }));
});

afterAll(async () => {
  await upstream?.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

describe('Host header (DNS rebinding)', () => {
  it('refuses a foreign Host with a valid agent token on POST /mcp, GET …/sse and POST …/messages', async () => {
    const agent = await makeAgent(org);
    const { token } = await makeAgentToken(org, agent.id);
    const evil = { ...bearer(token), host: 'evil.example' };

    // The same requests with the public Host are answered: the Host alone makes the difference.
    expect((await post(route.POST, '/mcp', initialize(), { ...bearer(token), host: 'localhost:3000' })).status).toBe(200);
    const mcp = await post(route.POST, '/mcp', initialize(), evil);
    expect(mcp.status).toBe(403);
    expect((await mcp.json()).error.code).toBe(-32000);
    // A name that merely ends in an allowed one is no allowed name.
    expect((await post(route.POST, '/mcp', initialize(), { ...bearer(token), host: 'localhost.evil.example' })).status).toBe(403);

    const sse = await sseRoute.GET(new Request(new URL('/.well-known/mcp/sse', BASE), { headers: evil }));
    expect(sse.status).toBe(403);
    expect(sse.headers.get('content-type')).toContain('application/json');
    expect((await sse.json()).error.code).toBe(-32000);

    // A real session of this very agent: its messages endpoint still refuses the foreign Host.
    const { reader, path } = await openSse(token);
    const ping = { jsonrpc: '2.0', id: 7, method: 'ping' };
    const messages = await post(messagesRoute.POST, path, ping, evil);
    expect(messages.status).toBe(403);
    expect((await messages.json()).error.code).toBe(-32000);
    expect((await post(messagesRoute.POST, path, ping, { ...bearer(token), host: 'localhost:3000' })).status).toBe(202);
    await reader.cancel();
  });
});

describe('ending access ends open sessions', () => {
  it('disabling the agent through the service closes its Streamable HTTP session and ends its legacy SSE stream', async () => {
    const agent = await makeAgent(org);
    const { token } = await makeAgentToken(org, agent.id);
    const { sessionId, headers } = await openSession(token);
    const sse = await openSse(token);
    expect(mcpSessions().get(sessionId, agent.id)).toBeDefined();
    expect(sseSessions().get(sse.sessionId, agent.id)).toBeDefined();

    await updateAgent(org.ownerCtx, agent.id, patchAgentSchema.parse({ enabled: false }));
    expect(mcpSessions().get(sessionId, agent.id)).toBeUndefined();
    expect(sseSessions().get(sse.sessionId, agent.id)).toBeUndefined();
    expect(await ends(sse.reader)).toBe(true);
    const refused = await post(route.POST, '/mcp', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);
    expect([401, 403]).toContain(refused.status);

    // Enabled again, the token is good, but the session stays gone: it was closed, not just refused.
    await updateAgent(org.ownerCtx, agent.id, patchAgentSchema.parse({ enabled: true }));
    const after = await post(route.POST, '/mcp', { jsonrpc: '2.0', id: 3, method: 'tools/list' }, headers);
    expect(after.status).toBe(404);
    expect((await post(messagesRoute.POST, sse.path, { jsonrpc: '2.0', id: 4, method: 'ping' }, bearer(token))).status).toBe(404);
  });

  it('revoking the token that opened a Streamable HTTP session removes the session and ends its open GET stream', async () => {
    const agent = await makeAgent(org);
    const revoked = await makeAgentToken(org, agent.id);
    const kept = await makeAgentToken(org, agent.id);
    const doomed = await openSession(revoked.token);
    const stays = await openSession(kept.token);
    const stream = await openGetStream(doomed.headers);
    const staysStream = await openGetStream(stays.headers);

    await revokeAgentToken(org.ownerCtx, agent.id, revoked.jti);
    expect(mcpSessions().get(doomed.sessionId, agent.id)).toBeUndefined();
    expect(await ends(stream)).toBe(true);
    // Only that token's session: the agent's session opened with another token is untouched.
    expect(mcpSessions().get(stays.sessionId, agent.id)).toBeDefined();
    expect(await ends(staysStream, 300)).toBe(false);
    // The surviving token cannot pick up the closed session either.
    const taken = await post(route.POST, '/mcp', { jsonrpc: '2.0', id: 5, method: 'tools/list' }, { ...stays.headers, 'mcp-session-id': doomed.sessionId });
    expect(taken.status).toBe(404);
    await staysStream.cancel();
  });
});

describe('legacy SSE batches (2024-11-05)', () => {
  it('authorizes every element of a batch: the allowed call succeeds, the denied one gets the policy refusal', async () => {
    const agent = await makeAgent(org);
    const { token } = await makeAgentToken(org, agent.id);
    const { reader, path } = await openSse(token);
    const auth = bearer(token);
    expect((await post(messagesRoute.POST, path, initialize('2024-11-05'), auth)).status).toBe(202);
    expect((await answers(reader, [1])).get(1)).toMatchObject({ result: { protocolVersion: '2024-11-05' } });
    expect((await post(messagesRoute.POST, path, { jsonrpc: '2.0', method: 'notifications/initialized' }, auth)).status).toBe(202);

    const hiddenBefore = upstream.calls.filter((c) => c.name === 'hidden').length;
    const batch = await post(messagesRoute.POST, path, [
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'batched' } } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'execute_tool', arguments: { tool_identifier: 'ev/hidden', input_data: { text: 'x' } } } },
    ], auth);
    expect(batch.status).toBe(202);
    const got = await answers(reader, [2, 3]);
    expect(got.get(2)).toMatchObject({ result: { content: [{ type: 'text', text: 'echo: batched' }] } });
    expect(got.get(2)!.result!.isError).toBeUndefined();
    expect(got.get(3)!.result!.isError).toBe(true);
    expect(got.get(3)!.result!.content![0]!.text).toContain('No policy explicitly allows tool.invoke on tool:ev/hidden');
    // The denied element never reached the upstream.
    expect(upstream.calls.filter((c) => c.name === 'hidden').length).toBe(hiddenBefore);

    // The same with a name the view does not list: that element alone is refused.
    const named = await post(messagesRoute.POST, path, [
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'hidden', arguments: { text: 'x' } } },
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo', arguments: { text: 'second' } } },
    ], auth);
    expect(named.status).toBe(202);
    const second = await answers(reader, [4, 5]);
    expect(second.get(4)!.error).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: hidden') });
    expect(second.get(5)).toMatchObject({ result: { content: [{ type: 'text', text: 'echo: second' }] } });
    expect(upstream.calls.filter((c) => c.name === 'hidden').length).toBe(hiddenBefore);
    await reader.cancel();
  });
});

describe('static credentials', () => {
  /** A Streamable HTTP session opened with these request headers (a static credential). */
  async function openWith(credentials: Record<string, string>) {
    const opened = await post(route.POST, '/mcp', initialize(), credentials);
    expect(opened.status).toBe(200);
    const sessionId = opened.headers.get('mcp-session-id')!;
    const headers = { ...credentials, 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL };
    expect((await post(route.POST, '/mcp', { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
    return { sessionId, headers };
  }

  const until = async (condition: () => boolean, ms = 2_000) => {
    const deadline = Date.now() + ms;
    while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return condition();
  };

  it("a session opened with a BEARER secret ends once the agent's secret is replaced; one opened with the new secret stays", async () => {
    const agent = await makeAgent(org);
    const first = `static-first-${'x'.repeat(32)}`;
    const second = `static-second-${'y'.repeat(32)}`;
    const ref = async (value: string) => (await storeSecret(org.ownerCtx, { value, name: undefined })).secret_ref;
    await updateAgent(org.ownerCtx, agent.id, patchAgentSchema.parse({ inbound_auth_method: 'BEARER', bearer_secret_ref: await ref(first) }));
    const old = { authorization: `Bearer ${first}`, 'x-agent-id': agent.id };
    const { sessionId, headers } = await openWith(old);
    const stream = await openGetStream(headers);
    // A periodic check while nothing changed closes nothing.
    expect(await recheckSessions(await getDb(), agent.id)).toBe(0);
    expect(mcpSessions().get(sessionId, agent.id)).toBeDefined();

    await updateAgent(org.ownerCtx, agent.id, patchAgentSchema.parse({ bearer_secret_ref: await ref(second) }));
    expect(await until(() => mcpSessions().get(sessionId, agent.id) === undefined)).toBe(true);
    expect(await ends(stream)).toBe(true);
    expect((await post(route.POST, '/mcp', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers)).status).toBe(401);

    const renewed = await openWith({ authorization: `Bearer ${second}`, 'x-agent-id': agent.id });
    expect(await recheckSessions(await getDb(), agent.id)).toBe(0);
    expect(mcpSessions().get(renewed.sessionId, agent.id)).toBeDefined();
  });
});
