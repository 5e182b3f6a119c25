// The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// tools/conformance/) against the gateway of the production build: every active server scenario,
// for spec versions 2025-06-18 and 2025-11-25, through /mcp. The gateway proxies the suite's
// fixture upstream (test/fixtures/conformance-upstream.ts, started here on 127.0.0.1), so what is
// checked is the whole path: suite → gateway (agent token, Host/Origin check, policy, execute
// pipeline, upstream session) → fixture and back.
//
// The suite sends no Authorization header, so it talks to a test-only proxy
// (test/fixtures/header-proxy.ts) that adds the agent token and forwards everything else verbatim
// and unbuffered. The proxy passes a foreign Host/Origin through untouched, so the suite's
// DNS-rebinding scenario (Host: evil.example.com → 4xx, its own host → 2xx) is decided by the
// gateway's own check (lib/mcp/gateway/http.ts), not by the proxy; the test checks that too.
//
// Everything is set up through the public API: an account, an organization, an environment, a
// connection to the fixture, its tools synced, a policy (bound to the organization) allowing every
// tool, resource, prompt, sampling and elicitation, and per spec version an agent with a token of
// scope `mcp`. One agent per version: the suite's client never ends its sessions (no DELETE), and
// the gateway caps open sessions per agent (32), so one agent for both runs would run out.
//
// Expected failures through the gateway: tools/conformance/expected-failures-gateway.txt. The
// suite's results (logs, checks.json per scenario) land in reports/conformance-gateway/<version>/.
// Needs `bash tools/conformance/install.sh` (the suite and Node 22 outside the repository); run.sh
// calls it too (a no-op when installed). .ci/run installs it before the browser tests.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { startConformanceUpstream, type ConformanceUpstream } from '../test/fixtures/conformance-upstream';
import { startHeaderProxy, type HeaderProxy } from '../test/fixtures/header-proxy';

const SPEC_VERSIONS = ['2025-06-18', '2025-11-25'] as const;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUN_SH = path.join(ROOT, 'tools/conformance/run.sh');
const EXPECTED_FAILURES = path.join(ROOT, 'tools/conformance/expected-failures-gateway.txt');
const CONNECTION = 'conformance';

// A run through the gateway takes about 5 s here (plus up to a minute when run.sh must first install
// the tools); the suite's own request timeout is 60 s, so a hanging gateway fails a scenario, not
// the whole run, unless many hang.
test.describe.configure({ timeout: 5 * 60_000 });

let api: APIRequestContext;
let upstream: ConformanceUpstream;
let baseURL: string;
let orgId: string;
let envId: string;
/** The suite's process group while it runs: ended in afterAll if a test timed out before it did. */
let suitePid: number | undefined;

/** One JSON call of the public API with the user's token; fails the test on an unexpected status. */
async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', url: string, data?: unknown, status = method === 'POST' ? 201 : 200): Promise<T> {
  const response = await api.fetch(url, { method, data });
  const text = await response.text();
  expect(response.status(), `${method} ${url}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

/** An agent of the environment, with a token of scope `mcp` (returned once, by the API). */
async function agentWithToken(name: string): Promise<{ agentId: string; token: string }> {
  const agent = await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/agents/`, { environment_id: envId, name, mode: 'CALLER' });
  const issued = await call<{ token: string; scopes: string[] }>('POST', `/api/v1/orgs/${orgId}/agents/${agent.id}/tokens/`, {
    scopes: ['mcp'],
    ttl_seconds: 3600,
    name: 'conformance suite',
  });
  expect(issued.scopes).toEqual(['mcp']);
  return { agentId: agent.id, token: issued.token };
}

/** Runs tools/conformance/run.sh (asynchronously: the proxy and the fixture live in this process). */
function runSuite(url: string, version: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [RUN_SH, url, '--spec-version', version, '--expected-failures', EXPECTED_FAILURES], {
      cwd: ROOT,
      env: { ...process.env, CONFORMANCE_RESULTS_DIR: path.join(ROOT, 'reports/conformance-gateway', version) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group (bash → timeout → node), ended as one in afterAll
    });
    suitePid = child.pid;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      suitePid = undefined;
      resolve({ code, output });
    });
  });
}

test.beforeAll(async ({ baseURL: configured }) => {
  baseURL = configured!;
  upstream = await startConformanceUpstream();
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

  const anonymous = await playwrightRequest.newContext({ baseURL });
  const registered = await anonymous.post('/api/v1/auth/register/', {
    data: { email: `conformance-${stamp}@example.com`, password: 'a long conformance passphrase', first_name: 'Conformance', last_name: 'Suite' },
  });
  expect(registered.status(), await registered.text()).toBe(201);
  const { token } = (await registered.json()) as { token: string };
  await anonymous.dispose();
  api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Token ${token}` } });

  orgId = (await call<{ id: string }>('POST', '/api/v1/orgs/', { name: `Conformance ${stamp}` })).id;
  envId = (await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/environments/`, { name: 'conformance', type: 'development' })).id;
  const connection = await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/connections/`, {
    environment_id: envId,
    name: CONNECTION,
    endpoint: upstream.url,
    transport: 'streamable_http',
  });
  const synced = await call<{ tools_total: number; counts: Record<string, number> }>('POST', `/api/v1/connections/${connection.id}/sync/`, {}, 200);
  // Every tool the suite calls by name must be there and synced.
  const tools = await call<{ results: { name: string; sync_status: string }[] }>('GET', `/api/v1/orgs/${orgId}/tools/?page_size=200&environment_id=${envId}`);
  const status = Object.fromEntries(tools.results.map((t) => [t.name, t.sync_status]));
  for (const name of ['test_simple_text', 'test_sampling', 'test_elicitation', 'test_reconnection', 'json_schema_2020_12_tool']) {
    expect(status[name], `tool ${name} after sync ${JSON.stringify(synced)}`).toBe('synced');
  }

  // Everything this agent might be asked for, organization-wide (deny by default otherwise).
  const policy = await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/policies/`, {
    name: 'Conformance: allow everything proxied',
    description: 'The conformance suite calls every tool, resource and prompt of its fixture.',
  });
  for (const [action, target] of [
    ['tool.invoke', 'tool:*'],
    ['resource.read', 'resource:*'],
    ['prompt.get', 'prompt:*'],
    ['sampling.create', 'sampling:*'],
    ['elicitation.create', 'elicitation:*'],
  ]) {
    await call('POST', `/api/v1/orgs/${orgId}/policies/${policy.id}/rules/`, { action, target, effect: 'allow' });
  }
  await call('POST', '/api/v1/policies/bindings/', { policy_id: policy.id, scope_type: 'org', scope_id: orgId });
});

test.afterAll(async () => {
  if (suitePid !== undefined) {
    try {
      process.kill(-suitePid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await api?.dispose();
  await upstream?.close();
});

for (const version of SPEC_VERSIONS) {
  test(`the MCP conformance suite passes through the gateway (spec ${version})`, async ({}, testInfo) => {
    const { token } = await agentWithToken(`Conformance ${version}`);
    // The gateway's /mcp fixes the agent's organization and environment through the token.
    let proxy: HeaderProxy | undefined;
    try {
      proxy = await startHeaderProxy({ target: baseURL, headers: { authorization: `Bearer ${token}` } });
      const started = Date.now();
      const { code, output } = await runSuite(`${proxy.url}/mcp`, version);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const summary = output.slice(Math.max(0, output.indexOf('\n--- spec version')));
      console.log(`conformance ${version} through the gateway (${seconds} s):${summary}`);
      await testInfo.attach(`conformance-${version}.txt`, { body: output, contentType: 'text/plain' });

      // The harness: every request reached the gateway through the proxy, none was refused for
      // want of a token, and the agent stayed under the gateway's session cap.
      expect(proxy.exchanges.length).toBeGreaterThan(50);
      expect(proxy.exchanges.filter((e) => e.status === 401 || e.status === 429 || e.status === 502)).toEqual([]);
      const sessions = new Set(proxy.exchanges.filter((e) => e.method === 'POST' && e.sessionId && e.status === 200).map((e) => e.sessionId));
      const unanswered = proxy.exchanges.filter((e) => e.status === undefined);
      console.log(`${proxy.exchanges.length} requests, ${sessions.size} MCP sessions opened, ${unanswered.length} closed by the client before an answer`);
      if (version === '2025-11-25') {
        // dns-rebinding-protection: the foreign Host went through untouched and the gateway said no.
        const evil = proxy.exchanges.filter((e) => e.host === 'evil.example.com');
        expect(evil).toHaveLength(1);
        expect(evil[0]).toMatchObject({ rewritten: false, origin: 'http://evil.example.com', status: 403 });
        // …and its own host (with a matching Origin) went through as the gateway's, and was served.
        const own = proxy.exchanges.filter((e) => e.origin === proxy!.url);
        expect(own).toHaveLength(1);
        expect(own[0]).toMatchObject({ rewritten: true, status: 200 });
      }

      // The suite: no failure beyond tools/conformance/expected-failures-gateway.txt.
      const closing = /conformance: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(output);
      expect(closing, `run.sh printed no summary:\n${output}`).not.toBeNull();
      expect(Number(closing![2]), `unexpected failures:\n${summary}`).toBe(0);
      expect(code, `run.sh exited ${code}:\n${summary}`).toBe(0);
      expect(Number(closing![1])).toBeGreaterThan(10);
    } finally {
      await proxy?.close();
    }
  });
}
