// Two production servers (`node bin/server.mjs`, the build `npm run test:e2e` just made) as two
// instances of one deployment: one fresh Postgres database (created here, dropped after), the
// machine's Redis, and the keys every instance must share given as settings — each instance has
// its own DATA_DIR. Not the Playwright webServer: this spec starts and stops its own pair.
//
//   - an SSE session opened on A takes initialize, tools/list and tools/call POSTed to B; the
//     answers arrive on A's stream (Redis pub/sub); another agent or an unknown session gets 404;
//   - a policy change made through A denies on B within about a second;
//   - a tool's rate-limit bucket emptied on A is empty on B, and sign-in throttling is shared;
//   - a token revoked through B closes A's stream within a second, and A refuses the token.
//
// Needs Postgres (CI_POSTGRES_URL / TEST_DATABASE_URL, default postgres://root@127.0.0.1:5432/postgres)
// and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379); AXS_SKIP_REDIS_TESTS=1 skips it.
// Ports: the first two free ones from E2E_TWO_INSTANCE_PORT (default 3210).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import postgres from 'postgres';
import { startTestMcpServer, type TestMcpServer } from '../test/helpers/mcp-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_DB_URL = process.env.CI_POSTGRES_URL || process.env.TEST_DATABASE_URL || 'postgres://root@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const CONNECTION = 'twin';
const RATE_LIMIT_CAPACITY = 4;
const AUTH_THROTTLE_PER_ACCOUNT = 3;

test.skip(process.env.AXS_SKIP_REDIS_TESTS === '1', 'AXS_SKIP_REDIS_TESTS=1: no Redis for the two-instance test');
test.describe.configure({ timeout: 120_000 });

interface Instance {
  name: string;
  origin: string;
  child: ChildProcess;
  output: string[];
}

let a: Instance;
let b: Instance;
let upstream: TestMcpServer;
let databaseName: string;
const dataDirs: string[] = [];

/** Two free TCP ports on 127.0.0.1, the first ones from `from` on. */
async function freePorts(count: number, from: number): Promise<number[]> {
  const found: number[] = [];
  for (let port = from; found.length < count && port < from + 200; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) found.push(port);
  }
  if (found.length < count) throw new Error(`no ${count} free ports from ${from}`);
  return found;
}

/** The keys every instance must share (ARCHITECTURE.md: through settings, not DATA_DIR). */
function sharedKeys(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `two-${randomBytes(4).toString('hex')}` };
  return {
    AUTH_SECRET: randomBytes(32).toString('base64url'),
    SECRETS_KEK: randomBytes(32).toString('base64url'),
    AGENT_JWT_SIGNING_KEYS: JSON.stringify([jwk]),
  };
}

function startInstance(name: string, port: number, settings: Record<string, string>): Instance {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `axs-two-${name}-`));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, ['bin/server.mjs'], {
    cwd: ROOT,
    env: { ...process.env, ...settings, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, origin: `http://127.0.0.1:${port}`, child, output };
}

async function ready(instance: Instance, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (instance.child.exitCode !== null) throw new Error(`instance ${instance.name} exited (${instance.child.exitCode}):\n${instance.output.join('')}`);
    const ok = await fetch(`${instance.origin}/api/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`instance ${instance.name} not ready within ${timeoutMs} ms:\n${instance.output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  const killed = setTimeout(() => instance.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killed);
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  databaseName = `axs_two_${randomBytes(6).toString('hex')}`;
  const admin = postgres(ADMIN_DB_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${databaseName}`);
  } finally {
    await admin.end();
  }
  const databaseUrl = new URL(ADMIN_DB_URL);
  databaseUrl.pathname = `/${databaseName}`;
  const [portA, portB] = await freePorts(2, Number(process.env.E2E_TWO_INSTANCE_PORT ?? 3210));
  const settings = {
    ...sharedKeys(),
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL,
    // The address clients use (a load balancer in front of both); agent tokens name it as issuer.
    PUBLIC_URL: `http://localhost:${portA}`,
    SIGNUP_MODE: 'open',
    UPSTREAM_ALLOW_PRIVATE: 'true',
    RATE_LIMIT_CAPACITY: String(RATE_LIMIT_CAPACITY),
    RATE_LIMIT_REFILL_PER_SEC: '0.001',
    AUTH_THROTTLE_PER_ACCOUNT: String(AUTH_THROTTLE_PER_ACCOUNT),
    // Every request here comes from 127.0.0.1: keep the per-client bucket (shared in Redis) out of the way.
    AUTH_THROTTLE_PER_CLIENT: '100000',
    MCP_HEALTH_CHECK_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  const started = Date.now();
  a = startInstance('A', portA!, settings);
  b = startInstance('B', portB!, settings);
  await Promise.all([ready(a), ready(b)]);
  console.log(`two instances ready in ${Date.now() - started} ms: A ${a.origin}, B ${b.origin}, database ${databaseName}`);
  upstream = await startTestMcpServer({
    name: 'two-instances-upstream',
    tools: [
      { name: 'echo', description: 'Echoes text' },
      { name: 'shout', description: 'Echoes text loudly' },
    ],
  });
});

// The servers' own output (warn and above) when something failed, or always with E2E_TWO_INSTANCE_LOGS=1.
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status === testInfo.expectedStatus && process.env.E2E_TWO_INSTANCE_LOGS !== '1') return;
  for (const instance of [a, b]) if (instance) console.log(`--- instance ${instance.name} output ---\n${instance.output.join('')}`);
});

test.afterAll(async () => {
  await Promise.all([stop(a), stop(b)]);
  await upstream?.close();
  if (databaseName) {
    const admin = postgres(ADMIN_DB_URL, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
    } finally {
      await admin.end();
    }
  }
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** JSON request to an instance; checks the status, answers the body. */
async function call<T = Record<string, unknown>>(
  instance: Instance,
  method: string,
  url: string,
  options: { auth?: string; data?: unknown; status?: number } = {},
): Promise<T> {
  const response = await fetch(`${instance.origin}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(options.auth ? { authorization: options.auth } : {}) },
    body: options.data === undefined ? undefined : JSON.stringify(options.data),
  });
  const text = await response.text();
  expect(response.status, `${instance.name}: ${method} ${url}: ${text}`).toBe(options.status ?? (method === 'POST' ? 201 : 200));
  return (text ? JSON.parse(text) : {}) as T;
}

/** Opens the legacy SSE stream on an instance and reads up to its `endpoint` event. */
async function openSse(instance: Instance, token: string) {
  const controller = new AbortController();
  const response = await fetch(`${instance.origin}/.well-known/mcp/sse`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended: 'ended' | 'dropped' | null = null;
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return (ended = 'ended');
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      return (ended = 'dropped');
    }
  })();
  const readUntil = async (pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(text);
      if (match) return match;
      expect(ended, `the stream ${ended} before ${pattern}; got ${JSON.stringify(text)}`).toBeNull();
      expect(Date.now(), `nothing like ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(text)}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const endpoint = (await readUntil(/event: endpoint\r?\ndata: ([^\r\n]+)\r?\n\r?\n/))[1]!;
  return { endpoint, readUntil, closed: pump, text: () => text, abort: () => controller.abort() };
}

/** A `message` event answering request `id`, whose data contains each of `parts`. */
const answer = (id: number, ...parts: string[]) =>
  new RegExp(`event: message\\r?\\ndata: (?=[^\\r\\n]*"id":${id}[,}])${parts.map((p) => `(?=[^\\r\\n]*${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})`).join('')}`);

test('two instances share SSE sessions, policy changes, rate limits and revocations through Redis', async () => {
  const stamp = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  // Set up through A's public API.
  const registered = await call<{ token: string }>(a, 'POST', '/api/v1/auth/register/', {
    data: { email: `two-${stamp}@example.com`, password: 'a long two-instance passphrase', first_name: 'Twin', last_name: 'Peaks' },
  });
  const user = `Token ${registered.token}`;
  const orgId = (await call<{ id: string }>(a, 'POST', '/api/v1/orgs/', { auth: user, data: { name: `Two ${stamp}` } })).id;
  const envId = (await call<{ id: string }>(a, 'POST', `/api/v1/orgs/${orgId}/environments/`, { auth: user, data: { name: 'two', type: 'development' } })).id;
  const connection = await call<{ id: string }>(a, 'POST', `/api/v1/orgs/${orgId}/connections/`, {
    auth: user,
    data: { environment_id: envId, name: CONNECTION, endpoint: upstream.url, transport: 'streamable_http' },
  });
  expect((await call<{ tools_total: number }>(b, 'POST', `/api/v1/connections/${connection.id}/sync/`, { auth: user, data: {}, status: 200 })).tools_total).toBe(2);
  const newAgent = async (name: string) => {
    const agentId = (await call<{ id: string }>(a, 'POST', `/api/v1/orgs/${orgId}/agents/`, { auth: user, data: { environment_id: envId, name, mode: 'CALLER' } })).id;
    const issued = await call<{ token: string; jti: string }>(b, 'POST', `/api/v1/orgs/${orgId}/agents/${agentId}/tokens/`, {
      auth: user,
      data: { scopes: ['mcp'], ttl_seconds: 3600, name: 'two instances' },
    });
    return { agentId, ...issued };
  };
  const agent = await newAgent('Twin Agent');
  const stranger = await newAgent('Stranger Agent');
  const policy = await call<{ id: string }>(a, 'POST', `/api/v1/orgs/${orgId}/policies/`, { auth: user, data: { name: 'Two: the twin connection' } });
  await call(a, 'POST', `/api/v1/orgs/${orgId}/policies/${policy.id}/rules/`, { auth: user, data: { action: 'tool.invoke', target: `tool:${CONNECTION}/*`, effect: 'allow' } });
  await call(a, 'POST', '/api/v1/policies/bindings/', { auth: user, data: { policy_id: policy.id, scope_type: 'agent', scope_id: agent.agentId } });
  const bearer = `Bearer ${agent.token}`;

  const stream = await openSse(a, agent.token);
  try {
    await test.step('an SSE session opened on A takes messages POSTed to B; the answers arrive on A', async () => {
      expect(stream.endpoint).toMatch(/^\/\.well-known\/mcp\/messages\?sessionId=[\w-]+$/);
      const postToB = async (message: unknown, token = agent.token) =>
        fetch(`${b.origin}${stream.endpoint}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(message),
        });
      const started = Date.now();
      const init = await postToB({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'two', version: '1' } } });
      expect(init.status, await init.clone().text()).toBe(202);
      await stream.readUntil(answer(1, '"serverInfo"'));
      console.log(`initialize POSTed to B answered on A's stream after ${Date.now() - started} ms`);
      expect((await postToB({ jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
      expect((await postToB({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(202);
      const listed = await stream.readUntil(answer(2, '"tools"'));
      const tools = (JSON.parse(/data: ([^\r\n]+)/.exec(stream.text().slice(listed.index))![1]!) as { result: { tools: { name: string }[] } }).result.tools;
      expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'execute_tool', 'shout']);
      expect((await postToB({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 'from B to A' } } })).status).toBe(202);
      await stream.readUntil(answer(3, '"text":"echo: from B to A"'));
      expect(upstream.calls).toContainEqual({ name: 'echo', arguments: { text: 'from B to A' } });

      // Another agent's token, an unknown session: 404 as on one instance; no token: 401.
      expect((await postToB({ jsonrpc: '2.0', id: 4, method: 'ping' }, stranger.token)).status).toBe(404);
      const unknown = await fetch(`${b.origin}/.well-known/mcp/messages?sessionId=${crypto.randomUUID()}`, {
        method: 'POST',
        headers: { authorization: bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping' }),
      });
      expect(unknown.status).toBe(404);
      expect((await postToB({ jsonrpc: '2.0', id: 6, method: 'ping' }, 'not-a-token')).status).toBe(401);
      expect(stream.text()).not.toMatch(answer(4));
    });

    await test.step('a policy change made through A denies on B within about a second', async () => {
      const run = (instance: Instance, name: string) =>
        fetch(`${instance.origin}/.well-known/mcp/run`, {
          method: 'POST',
          headers: { authorization: bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `${CONNECTION}/${name}`, arguments: { text: 'policy' } }),
        });
      // B has the organization's policies compiled and cached.
      expect((await run(b, 'shout')).status).toBe(201);
      await call(a, 'POST', `/api/v1/orgs/${orgId}/policies/${policy.id}/rules/`, { auth: user, data: { action: 'tool.invoke', target: `tool:${CONNECTION}/shout`, effect: 'deny' } });
      const changed = Date.now();
      let status = 0;
      while (Date.now() - changed < 5_000) {
        status = (await run(b, 'shout')).status;
        if (status === 403) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const took = Date.now() - changed;
      console.log(`policy change through A denied on B after ${took} ms`);
      expect(status).toBe(403);
      expect(took).toBeLessThan(1_750); // one revision check per second, plus a request
    });

    await test.step("a tool's rate-limit bucket emptied on A is empty on B; sign-in throttling is shared", async () => {
      const run = (instance: Instance) =>
        fetch(`${instance.origin}/.well-known/mcp/run`, {
          method: 'POST',
          headers: { authorization: bearer, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `${CONNECTION}/echo`, arguments: { text: 'limit' } }),
        });
      // The tools/call above took one token from echo's bucket (on A, which holds the session).
      const onA: number[] = [];
      for (let i = 0; i < RATE_LIMIT_CAPACITY; i++) onA.push((await run(a)).status);
      expect(onA).toEqual([...Array(RATE_LIMIT_CAPACITY - 1).fill(201), 429]);
      const onB = await run(b);
      expect(onB.status).toBe(429);
      expect(Number(onB.headers.get('retry-after'))).toBeGreaterThan(0);

      const login = (instance: Instance) =>
        fetch(`${instance.origin}/api/v1/auth/login/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `two-${stamp}@example.com`, password: 'not the passphrase' }),
        });
      for (let i = 0; i < AUTH_THROTTLE_PER_ACCOUNT; i++) expect((await login(a)).status).not.toBe(429);
      expect((await login(b)).status).toBe(429);
    });

    await test.step('a token revoked through B closes its stream on A within a second, and A refuses it', async () => {
      const revoked = Date.now();
      await call(b, 'POST', `/api/v1/orgs/${orgId}/agents/${agent.agentId}/tokens/${agent.jti}/revoke/`, { auth: user, status: 200 });
      const answered = Date.now();
      const ended = await Promise.race([stream.closed, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 1_000))]);
      console.log(`A's stream ${ended} ${Date.now() - revoked} ms after the revocation request to B (answered in ${answered - revoked} ms)`);
      expect(ended, "A's SSE stream is still open a second after the revocation through B").not.toBe('still open');
      const again = await fetch(`${a.origin}/.well-known/mcp/sse`, { headers: { authorization: bearer, accept: 'text/event-stream' } });
      expect(again.status).toBe(401);
      const late = await fetch(`${a.origin}/.well-known/mcp/run`, {
        method: 'POST',
        headers: { authorization: bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `${CONNECTION}/echo`, arguments: { text: 'late' } }),
      });
      expect(late.status).toBe(401);
    });
  } finally {
    stream.abort();
  }
});
