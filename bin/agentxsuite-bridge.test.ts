// The stdio bridge end to end: the SDK's stdio client starts bin/agentxsuite-bridge.mjs as Claude
// Desktop would, and the bridge talks real HTTP to the gateway's route handlers
// (test/helpers/gateway-http.ts), which run tools on a real upstream MCP server. The gateway is
// stopped and started again mid-test; the bridge must carry on without the client noticing more
// than an error for what could not be delivered.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  CreateMessageResultSchema,
  LoggingMessageNotificationSchema,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { addRuleSchema, createPolicySchema } from '@/lib/policy/schemas';
import { createPolicy, createRule } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg } from '@/test/helpers/fixtures';
import { startGatewayHttp, type GatewayHttp } from '@/test/helpers/gateway-http';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';

setupTestDb();

const BRIDGE = path.join(import.meta.dirname, 'agentxsuite-bridge.mjs');

let gateway: GatewayHttp;
let upstream: TestMcpServer;
let token: string;
const started: { transport: StdioClientTransport; client: Client }[] = [];

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  // Stateful: a request from the upstream to the client (sampling) needs the upstream's session.
  upstream = await startTestMcpServer({
    stateful: true,
    tools: [
      { name: 'echo', description: 'Echoes text' },
      {
        name: 'asks',
        description: 'Asks the client to sample a message',
        handler: async (_args, { sendRequest, sendNotification }) => {
          await sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'asking the client' } });
          const answer = (await sendRequest(
            { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 10 } },
            CreateMessageResultSchema as never,
          )) as { content: { text: string } };
          return { content: [{ type: 'text', text: `client said: ${answer.content.text}` }] };
        },
      },
      {
        name: 'slow',
        description: 'Answers after two seconds',
        handler: async (_args, { signal }) => {
          await sleep(2_000, undefined, { signal }).catch(() => {});
          return { content: [{ type: 'text', text: 'slow: done' }] };
        },
      },
    ],
  });
  const org = await makeOrg(undefined, 'bridge');
  const connection = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'ev', endpoint: upstream.url }));
  await syncConnection(org.ownerCtx, connection.id);
  const agentId = (await makeAgent(org)).id;
  ({ token } = await makeAgentToken(org, agentId));
  const policy = await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'bridge', rules_json: { allow: ['ev/echo', 'ev/asks', 'ev/slow'] } }));
  await createRule(org.owner.ctx, { policy_id: policy.id, ...addRuleSchema.parse({ action: 'sampling.create', target: 'sampling:ev', effect: 'allow' }) });
  gateway = await startGatewayHttp();
});

afterEach(async () => {
  if (!gateway.running) await gateway.start();
  for (const { client } of started.splice(0)) await client.close().catch(() => {});
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

interface StartedBridge {
  client: Client;
  transport: StdioClientTransport;
  /** Errors the client saw outside of requests: anything on stdout that is not JSON-RPC lands here. */
  errors: Error[];
  stderr: () => string;
}

function bridgeProcess(options: { env?: Record<string, string>; args?: string[]; capabilities?: ClientCapabilities } = {}): StartedBridge {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BRIDGE, ...(options.args ?? ['--url', `${gateway.origin}/mcp`, '--queue-timeout', '3'])],
    env: { PATH: process.env.PATH ?? '', ...(options.env ?? { AGENTXSUITE_TOKEN: token }) },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'bridge-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const errors: Error[] = [];
  client.onerror = (error) => void errors.push(error);
  started.push({ transport, client });
  return { client, transport, errors, stderr: () => stderr };
}

async function startBridge(options: Parameters<typeof bridgeProcess>[0] = {}): Promise<StartedBridge> {
  const bridge = bridgeProcess(options);
  await bridge.client.connect(bridge.transport);
  return bridge;
}

/** A minimal environment for a bridge process (as Claude Desktop gives one): PATH and what is given. */
const childEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '', ...env }) as unknown as NodeJS.ProcessEnv;
const text = (result: unknown) => (result as { content: { text: string }[] }).content.map((c) => c.text);
const alive = (pid: number | null) => {
  try {
    return pid !== null && process.kill(pid, 0);
  } catch {
    return false;
  }
};
/** The gateway sessions opened so far (answers to initialize), in order. */
const initializeCount = () => gateway.requests.filter((r) => r.rpcMethod === 'initialize' && r.status === 200).length;

describe('agentxsuite-bridge', () => {
  it('lists and calls tools, relays sampling, logs and cancellation both ways, and ends its gateway session when stdin closes', async () => {
    const bridge = await startBridge({ capabilities: { sampling: {} } });
    bridge.client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'hi there' },
      model: 'test-model',
    }));
    const logs: unknown[] = [];
    bridge.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params.data));
    expect(bridge.client.getServerVersion()).toMatchObject({ name: 'agentxsuite' });

    const { tools } = await bridge.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['asks', 'echo', 'execute_tool', 'slow']);
    expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toEqual(['echo: hi']);
    // A gateway request to the client (sampling) goes out over stdout, the answer back in over stdin.
    expect(text(await bridge.client.callTool({ name: 'asks', arguments: {} }))).toEqual(['client said: hi there']);
    // Notifications both ways: the upstream's log reached the client; the client's cancellation reached the upstream.
    expect(logs).toContain('asking the client');
    const abort = new AbortController();
    const slow = bridge.client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: abort.signal });
    await vi.waitFor(() => expect(upstream.calls.at(-1)?.name).toBe('slow'));
    abort.abort('changed my mind');
    await expect(slow).rejects.toThrow();
    await vi.waitFor(() => expect(upstream.cancellations.map((c) => c.name)).toContain('slow'));

    const sessionId = gateway.requests.filter((r) => r.path === '/mcp' && r.sessionId).at(-1)?.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const pid = bridge.transport.pid;
    const before = Date.now();
    await bridge.client.close();
    // The bridge left by itself when stdin closed: the transport kills only after 2 s.
    expect(Date.now() - before).toBeLessThan(1_900);
    expect(alive(pid)).toBe(false);
    expect(gateway.requests).toContainEqual(expect.objectContaining({ method: 'DELETE', sessionId, status: 200 }));
    expect(bridge.errors).toEqual([]);
    expect(bridge.stderr()).not.toContain(token);
  });

  it('survives a gateway restart: errors after a bounded wait while it is down, resends what never reached it, then works on a new session', async () => {
    const bridge = await startBridge({ args: ['--url', `${gateway.origin}/mcp`, '--queue-timeout', '4'] });
    expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'before' } }))).toEqual(['echo: before']);
    const sessionsBefore = initializeCount();

    await gateway.stop();
    const t0 = Date.now();
    await expect(bridge.client.callTool({ name: 'echo', arguments: { text: 'while down' } })).rejects.toThrow(/AgentxSuite gateway unavailable, retrying/);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(3_800);
    expect(waited).toBeLessThan(8_000);
    expect(alive(bridge.transport.pid)).toBe(true);

    // Sent while the gateway is down, which comes back before the wait is over: delivered (while
    // requests wait, attempts are at most 2 s apart).
    const queued = bridge.client.callTool({ name: 'echo', arguments: { text: 'queued' } });
    await sleep(300);
    await gateway.start();
    // (On failure: the whole result and the bridge's log.)
    expect(await queued, bridge.stderr()).toMatchObject({ content: [{ type: 'text', text: 'echo: queued' }] });

    // The same client and bridge, on a new gateway session.
    expect((await bridge.client.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'after' } }))).toEqual(['echo: after']);
    expect(initializeCount()).toBe(sessionsBefore + 1);
    expect(upstream.calls.filter((c) => (c.arguments as { text?: string }).text === 'while down')).toEqual([]);
    expect(bridge.errors).toEqual([]);
    expect(bridge.stderr()).toMatch(/gateway session lost/);
  });

  it('answers a call cut off by a restart with an error, reopens its session unasked, and carries on', async () => {
    const bridge = await startBridge();
    const sessionsBefore = initializeCount();
    const cut = bridge.client.callTool({ name: 'slow', arguments: {} });
    await sleep(500);
    await gateway.stop();
    await gateway.start();
    await expect(cut).rejects.toThrow(/lost while this request was in progress/);
    // Its event stream (GET) found the old session gone (404): a new one opens before anyone asks.
    await vi.waitFor(() => expect(initializeCount()).toBe(sessionsBefore + 1), { timeout: 5_000 });
    expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toEqual(['echo: again']);
    expect((await bridge.client.listTools()).tools.length).toBeGreaterThan(0);
    expect(bridge.errors).toEqual([]);
  });

  it('waits for a gateway that is not up yet when the client starts', async () => {
    await gateway.stop();
    const bridge = bridgeProcess();
    const connected = bridge.client.connect(bridge.transport);
    await sleep(1_000);
    await gateway.start();
    await connected;
    expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'late' } }))).toEqual(['echo: late']);
    expect(bridge.stderr()).toMatch(/gateway unavailable: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('reports a refused token as an MCP error, and neither dies nor retries in a loop', async () => {
    const refusedBefore = gateway.requests.filter((r) => r.status === 401).length;
    const bridge = bridgeProcess({ env: { AGENTXSUITE_TOKEN: 'not-a-real-token' } });
    await expect(bridge.client.connect(bridge.transport)).rejects.toThrow(/refused the agent token \(HTTP 401.*AGENTXSUITE_TOKEN/);
    expect(gateway.requests.filter((r) => r.status === 401).length).toBe(refusedBefore + 1);

    // The same by hand, to watch the process: it stays up, answers from the refusal, and exits on EOF.
    const child = spawn(process.execPath, [BRIDGE, '--url', `${gateway.origin}/mcp`], {
      env: childEnv({ AGENTXSUITE_TOKEN: 'not-a-real-token' }),
    }) as ChildProcessWithoutNullStreams;
    const lines: string[] = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
    });
    const answer = async (id: number) => {
      for (let i = 0; i < 100; i++) {
        const line = lines.find((l) => JSON.parse(l).id === id);
        if (line) return JSON.parse(line);
        await sleep(50);
      }
      throw new Error(`no answer to ${id}`);
    };
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    expect((await answer(1)).error).toMatchObject({ message: expect.stringMatching(/refused the agent token \(HTTP 401/), data: { http_status: 401 } });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    expect((await answer(2)).error.message).toMatch(/HTTP 401/);
    await sleep(1_500);
    expect(child.exitCode).toBeNull();
    expect(gateway.requests.filter((r) => r.status === 401).length).toBe(refusedBefore + 2);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.end();
    expect(await Promise.race([exited, sleep(3_000).then(() => 'still running')])).toBe(0);
    expect(buffered).toBe('');
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });

  it('refuses a token on the command line, and a start without token or URL, writing nothing to stdout', () => {
    const run = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BRIDGE, ...args], { env: childEnv(env), encoding: 'utf8', timeout: 10_000 });
    const url = `${gateway.origin}/mcp`;
    for (const args of [
      ['--url', url, '--token', token],
      ['--url', url, `--token=${token}`],
      ['--url', url, token],
      ['--url', url, `Bearer ${token}`],
    ]) {
      const refused = run(args, { AGENTXSUITE_TOKEN: token });
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/refusing a token on the command line/);
      expect(refused.stderr).not.toContain(token);
    }
    const noToken = run(['--url', url]);
    expect(noToken.status).toBe(2);
    expect(noToken.stdout).toBe('');
    expect(noToken.stderr).toMatch(/AGENTXSUITE_TOKEN/);
    const noUrl = run([], { AGENTXSUITE_TOKEN: token });
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toMatch(/--url is required/);
    expect(run(['--url', `${url}?access_token=x`], { AGENTXSUITE_TOKEN: token }).status).toBe(2);
  });

  it('speaks legacy HTTP+SSE with --transport sse, reading the token from AGENTXSUITE_TOKEN_FILE', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-bridge-'));
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    try {
      const bridge = await startBridge({
        args: ['--url', `${gateway.origin}/.well-known/mcp/sse`, '--transport', 'sse', '--queue-timeout', '3'],
        env: { AGENTXSUITE_TOKEN_FILE: file },
      });
      expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'legacy' } }))).toEqual(['echo: legacy']);
      await gateway.stop();
      await gateway.start();
      expect(text(await bridge.client.callTool({ name: 'echo', arguments: { text: 'legacy again' } }))).toEqual(['echo: legacy again']);
      expect(bridge.errors).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
