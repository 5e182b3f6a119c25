// tools/call through the MCP gateway, beside the same upstream called directly and through a
// bare proxy with no security (mcp-proxy from npm), at concurrency 1 and 16 — in one run.
//
//   npm run build                       # the gateway runs as `npm start` would run it
//   npx tsx bench/gateway.ts [--seconds 5] [--modes embedded,postgres] [--concurrency 1,16]
//                            [--upstream minimal|lean|everything] [--client raw|sdk] [--skip-proxy] [--skip-direct]
//
// Everything shares this machine's CPUs, so the load and the upstream are kept cheap by default:
// the client speaks JSON-RPC over keep-alive node:http (--client sdk: the SDK's Client), and the
// upstream is bench/minimal-upstream.ts, one `echo` tool answered without the SDK (--upstream lean:
// the same tool on the SDK; everything: the real server-everything). The upstream is reached over
// Streamable HTTP for the direct and gateway runs, and over stdio behind `mcp-proxy --no-eventStore`
// (pinned below, fetched with npx) for the bare-proxy run. The gateway runs as production
// (`node bin/server.mjs`) on the embedded database, and on Postgres + Redis (fresh database, shared
// rate limits) with `--modes postgres` (TEST/BENCH_DATABASE_URL or postgres://root@127.0.0.1:5432/postgres
// as admin, REDIS_URL or redis://127.0.0.1:6379). Every gateway call is a full pipeline run: policy,
// schema, rate limit (a large bucket), run + steps + audit events; the counts are checked at the end.
// Each case also prints the CPU every process spent per call (Linux, from /proc).
// Figures only: nothing here decides pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import postgres from 'postgres';
import { freePort } from '@/test/helpers/net';
import { startServerEverythingHttp } from '@/test/helpers/server-everything';

const MCP_PROXY = 'mcp-proxy@6.7.19';
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const seconds = Number(opt('seconds', '5'));
const modes = opt('modes', 'embedded,postgres').split(',').filter(Boolean);
const skipProxy = args.includes('--skip-proxy');
const skipDirect = args.includes('--skip-direct');
/**
 * minimal: bench/minimal-upstream.ts, JSON-RPC by hand (measures the path); lean: the same tool
 * built on the SDK (bench/echo-upstream.ts); everything: the real server-everything.
 */
const upstreamKind = opt('upstream', 'minimal');
/** raw: JSON-RPC over keep-alive node:http (the load costs little CPU); sdk: the SDK's Client. */
const clientKind = opt('client', 'raw');
const CONCURRENCY = opt('concurrency', '1,16').split(',').map(Number);


async function waitFor(url: string, timeoutMs: number, ok = (s: number) => s < 500): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { method: 'GET' });
      await res.body?.cancel();
      if (ok(res.status)) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function startProcess(command: string, argv: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, argv, { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  child.once('exit', (code) => {
    if (code && code !== 143) console.error(`${command} exited ${code}:\n${err}`);
  });
  process.once('exit', () => stop(child));
  return child;
}

function stop(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // gone
  }
}

/** The upstream's source file for --upstream minimal or lean. */
const upstreamFile = () => path.resolve(upstreamKind === 'lean' ? 'bench/echo-upstream.ts' : 'bench/minimal-upstream.ts');

async function startOwnUpstream(): Promise<{ url: string; pid?: number; close: () => Promise<void> }> {
  const port = await freePort();
  const child = startProcess(path.resolve('node_modules/.bin/tsx'), [upstreamFile(), 'http', String(port)], {});
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitFor(url, 60_000, () => true);
  return { url, pid: child.pid, close: async () => stop(child) };
}

interface Figures {
  calls: number;
  errors: number;
  /** Calls made before the clock started (recorded as runs too). */
  warmUps: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU milliseconds per call, by who spent them (Linux: from /proc). */
  cpu?: Record<string, number>;
}

/** Process groups whose CPU time a case reports (each started detached: group id = pid). */
type Groups = Record<string, number | undefined>;

/** CPU ticks (1/100 s) by process group, plus every Postgres and Redis process, and this process. */
function cpuSnapshot(): { groups: Map<number, number>; postgres: number; redis: number; client: NodeJS.CpuUsage } | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  const groups = new Map<number, number>();
  let postgres = 0;
  let redis = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const group = Number(fields[2]);
      groups.set(group, (groups.get(group) ?? 0) + ticks);
      if (name === 'postgres') postgres += ticks;
      else if (name.startsWith('redis-server')) redis += ticks;
    } catch {
      // gone meanwhile
    }
  }
  return { groups, postgres, redis, client: process.cpuUsage() };
}

function cpuPerCall(before: ReturnType<typeof cpuSnapshot>, groups: Groups, calls: number): Record<string, number> | undefined {
  const after = cpuSnapshot();
  if (!before || !after || !calls) return undefined;
  const ms = (ticks: number) => (ticks * 10) / calls;
  const out: Record<string, number> = { client: (after.client.user + after.client.system - before.client.user - before.client.system) / 1000 / calls };
  for (const [label, group] of Object.entries(groups)) {
    if (group !== undefined) out[label] = ms((after.groups.get(group) ?? 0) - (before.groups.get(group) ?? 0));
  }
  out.postgres = ms(after.postgres - before.postgres);
  out.redis = ms(after.redis - before.redis);
  return out;
}

type RpcMessage = { id?: unknown; result?: { isError?: boolean; protocolVersion?: string }; error?: unknown };

/** The JSON-RPC messages of an SSE body: events split on blank lines, each event's data lines joined. */
function sseMessages(body: string): RpcMessage[] {
  return body
    .split(/\r\n\r\n|\n\n|\r\r/)
    .map((event) =>
      event
        .split(/\r\n|\n|\r/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n'),
    )
    .filter(Boolean)
    .map((data) => JSON.parse(data) as RpcMessage);
}

/** A request that has not been answered by then fails (the SDK client gives up after 60 s too). */
const REQUEST_TIMEOUT_MS = 60_000;

/** One MCP session driven by hand: tools/call as a bare JSON-RPC POST on a kept-alive socket. */
class RawSession {
  private sessionId: string | null = null;
  /** The version initialize agreed on, sent on every later request (none on initialize itself). */
  private protocolVersion: string | null = null;
  private nextId = 1;
  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string>,
    private readonly agent: http.Agent,
  ) {}

  /** Posts a message; for a request, resolves with the answer whose id is the request's. */
  private post(body: { id?: number } & Record<string, unknown>): Promise<{ status: number; sessionId?: string; message?: RpcMessage }> {
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            ...this.headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'content-length': Buffer.byteLength(text),
            ...(this.protocolVersion ? { 'mcp-protocol-version': this.protocolVersion } : {}),
            ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => {
            const sid = res.headers['mcp-session-id'];
            try {
              // An SSE answer may carry notifications or server requests before the answer.
              const messages = !data ? [] : String(res.headers['content-type'] ?? '').includes('text/event-stream') ? sseMessages(data) : [JSON.parse(data) as RpcMessage];
              const message = messages.find((m) => m.id === body.id && ('result' in m || 'error' in m));
              resolve({ status: res.statusCode ?? 0, sessionId: typeof sid === 'string' ? sid : undefined, message });
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(text);
    });
  }

  async connect(): Promise<void> {
    const init = await this.post({
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    });
    if (init.status !== 200 || !init.message?.result?.protocolVersion) throw new Error(`initialize answered ${init.status}`);
    this.sessionId = init.sessionId ?? null;
    this.protocolVersion = init.message.result.protocolVersion;
    const initialized = await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    if (initialized.status !== 202) throw new Error(`notifications/initialized answered ${initialized.status}`);
  }

  async callTool(name: string, args: Record<string, unknown>): Promise<{ isError: boolean }> {
    const answer = await this.post({ jsonrpc: '2.0', id: this.nextId++, method: 'tools/call', params: { name, arguments: args } });
    if (answer.status !== 200 || !answer.message?.result) throw new Error(`tools/call answered ${answer.status}: ${JSON.stringify(answer.message?.error ?? '')}`);
    return { isError: answer.message.result.isError === true };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      const req = http.request(this.url, { method: 'DELETE', agent: this.agent, headers: { ...this.headers, ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy());
      req.on('error', () => resolve());
      req.end();
    });
  }
}

interface BenchSession {
  callTool(name: string, args: Record<string, unknown>): Promise<{ isError: boolean }>;
  close(): Promise<void>;
}

async function openSession(url: string, headers: Record<string, string>, agent: http.Agent): Promise<BenchSession> {
  if (clientKind === 'sdk') {
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    return {
      callTool: async (name, args) => ({ isError: Boolean((await client.callTool({ name, arguments: args })).isError) }),
      close: () => client.close(),
    };
  }
  const session = new RawSession(new URL(url), headers, agent);
  await session.connect();
  return session;
}

const WARM_UP_MS = 1_000;

/** `concurrency` clients, each its own MCP session, calling echo back to back for `seconds`. */
async function load(url: string, headers: Record<string, string>, concurrency: number, groups: Groups, toolName = 'echo'): Promise<Figures> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const clients = await Promise.all(Array.from({ length: concurrency }, () => openSession(url, headers, agent)));
  // Warm-up, the same in every case: a second of calls, not measured (each session's upstream
  // session opens, and every process on the path has run this code before the clock starts).
  const warmEnd = performance.now() + WARM_UP_MS;
  let warmUps = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < warmEnd) {
        const r = await c.callTool(toolName, { message: 'warm' });
        warmUps++;
        if (r.isError) throw new Error('the warm-up call answered isError');
      }
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = cpuSnapshot();
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      let n = 0;
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const r = await client.callTool(toolName, { message: `c${i}-${n++}` });
          if (r.isError) errors++;
          else latencies.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuPerCall(cpuBefore, groups, latencies.length + errors);
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { calls: latencies.length, errors, warmUps, perSecond: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), cpu };
}

async function api<T>(base: string, method: string, p: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(new URL(p, base), {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** An account, organization, environment, connection to the upstream (synced), agent, token and an allow policy. */
async function setUp(base: string, upstreamUrl: string) {
  const { token } = await api<{ token: string }>(base, 'POST', '/api/v1/auth/register/', null, {
    email: `bench-${randomUUID().slice(0, 8)}@example.com`,
    password: 'a long enough password',
    first_name: 'Bench',
    last_name: 'Mark',
  });
  const org = await api<{ id: string }>(base, 'POST', '/api/v1/orgs/', token, { name: `bench-${randomUUID().slice(0, 6)}` });
  const env = await api<{ id: string }>(base, 'POST', `/api/v1/orgs/${org.id}/environments/`, token, { name: 'bench', type: 'development' });
  const conn = await api<{ id: string }>(base, 'POST', `/api/v1/orgs/${org.id}/connections/`, token, {
    environment_id: env.id,
    name: 'everything',
    endpoint: upstreamUrl,
  });
  await api(base, 'POST', `/api/v1/connections/${conn.id}/sync/`, token);
  const agent = await api<{ id: string }>(base, 'POST', `/api/v1/orgs/${org.id}/agents/`, token, { environment_id: env.id, name: 'bench agent', mode: 'CALLER' });
  const issued = await api<{ token: string }>(base, 'POST', `/api/v1/orgs/${org.id}/agents/${agent.id}/tokens/`, token, { scopes: ['mcp'], ttl_seconds: 3600 });
  await api(base, 'POST', `/api/v1/orgs/${org.id}/policies/`, token, { name: 'bench', rules_json: { allow: ['everything/echo'] } });
  return { userToken: token, orgId: org.id, agentToken: issued.token };
}

/** Runs recorded (each run's steps and audit events are written in the same statement as the run). */
async function countRuns(base: string, userToken: string, orgId: string): Promise<number> {
  return (await api<{ count: number }>(base, 'GET', `/api/v1/orgs/${orgId}/runs/?page_size=1`, userToken)).count;
}

const row = (label: string, c: number, f: Figures) => {
  console.log(
    `${label.padEnd(34)} c=${String(c).padStart(2)}  ${f.perSecond.toFixed(0).padStart(6)} calls/s  p50 ${f.p50.toFixed(2).padStart(6)} ms  p99 ${f.p99.toFixed(2).padStart(7)} ms  (${f.calls} calls, ${f.errors} errors)`,
  );
  if (f.cpu) {
    const parts = Object.entries(f.cpu).map(([who, ms]) => `${who} ${ms.toFixed(2)}`);
    console.log(`${''.padEnd(34)}       CPU ms per call: ${parts.join(', ')} (total ${Object.values(f.cpu).reduce((a, b) => a + b, 0).toFixed(2)})`);
  }
};

async function main() {
  if (modes.length && !fs.existsSync('.next/BUILD_ID')) throw new Error('Run `npm run build` first: the gateway is benchmarked as production.');
  console.log(`bench/gateway.ts — ${seconds} s per case, ${os.cpus().length} CPUs, load avg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (!['minimal', 'lean', 'everything'].includes(upstreamKind)) throw new Error('--upstream is minimal, lean or everything');
  if (!['raw', 'sdk'].includes(clientKind)) throw new Error('--client is raw or sdk');
  const upstream = upstreamKind === 'everything' ? await startServerEverythingHttp() : await startOwnUpstream();
  const upstreamStdio =
    upstreamKind === 'everything' ? [path.resolve('node_modules/.bin/mcp-server-everything'), 'stdio'] : [path.resolve('node_modules/.bin/tsx'), upstreamFile(), 'stdio'];
  if (process.env.BENCH_GATEWAY_NODE) console.log(`gateway node: ${process.env.BENCH_GATEWAY_NODE}`);
  console.log(`upstream: ${upstreamKind === 'everything' ? 'server-everything' : path.relative('.', upstreamFile())}; client: ${clientKind === 'raw' ? 'JSON-RPC over keep-alive node:http' : 'the SDK Client'}`);
  const results: Record<string, Record<number, Figures>> = {};
  try {
    if (!skipDirect) for (const c of CONCURRENCY) row('direct (upstream over HTTP)', c, ((results.direct ??= {})[c] = await load(upstream.url, {}, c, { upstream: upstream.pid })));

    if (!skipProxy) {
      const port = await freePort();
      const proxy = startProcess('npx', ['-y', MCP_PROXY, '--port', String(port), '--server', 'stream', '--no-eventStore', '--', ...upstreamStdio], {});
      try {
        await waitFor(`http://127.0.0.1:${port}/ping`, 120_000, () => true);
        for (const c of CONCURRENCY) row(`bare proxy (${MCP_PROXY})`, c, ((results.proxy ??= {})[c] = await load(`http://127.0.0.1:${port}/mcp`, {}, c, { 'proxy (+ its stdio upstream)': proxy.pid })));
      } finally {
        stop(proxy);
      }
    }

    for (const mode of modes) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-bench-'));
      let dbName: string | null = null;
      const admin = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
      const env: Record<string, string> = {
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: base,
        DATA_DIR: dataDir,
        SIGNUP_MODE: 'open',
        UPSTREAM_ALLOW_PRIVATE: 'true',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_CAPACITY: '1000000',
        RATE_LIMIT_REFILL_PER_SEC: '1000000',
        RUN_MAX_CONCURRENT_PER_AGENT: '64',
        DATABASE_URL: '',
        REDIS_URL: '',
      };
      if (mode === 'postgres') {
        dbName = `axs_bench_${randomUUID().slice(0, 8)}`;
        const sql = postgres(admin, { max: 1, onnotice: () => {} });
        await sql.unsafe(`create database ${dbName}`);
        await sql.end();
        const url = new URL(admin);
        url.pathname = `/${dbName}`;
        env.DATABASE_URL = url.toString();
        env.REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      }
      // BENCH_CPU_PROF=<dir>: the gateway process writes a V8 CPU profile there when it stops.
      const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
      // BENCH_GATEWAY_NODE_FLAGS: extra flags for the gateway's node (e.g. --trace-gc), space-separated.
      const flags = (process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
      // BENCH_GATEWAY_NODE: another node binary for the gateway alone (e.g. a newer major); the load
      // runs on this one, the upstream and mcp-proxy on the `node` of PATH.
      const server = startProcess(process.env.BENCH_GATEWAY_NODE || process.execPath, [...profile, ...flags, 'bin/server.mjs'], env);
      try {
        await waitFor(`${base}/api/health/ready`, 120_000, (s) => s === 200);
        const setup = await setUp(base, upstream.url);
        const label = mode === 'postgres' ? 'gateway (Postgres + Redis)' : 'gateway (embedded PGlite)';
        let expected = 0;
        for (const c of CONCURRENCY) {
          const f = await load(`${base}/mcp`, { authorization: `Bearer ${setup.agentToken}` }, c, { gateway: server.pid, upstream: upstream.pid });
          (results[mode] ??= {})[c] = f;
          expected += f.calls + f.errors + f.warmUps;
          row(label, c, f);
        }
        console.log(`  runs recorded: ${await countRuns(base, setup.userToken, setup.orgId)} for ${expected} calls made`);
      } finally {
        stop(server);
        await new Promise((r) => setTimeout(r, profile.length ? 3_000 : 500));
        fs.rmSync(dataDir, { recursive: true, force: true });
        if (dbName) {
          const sql = postgres(admin, { max: 1, onnotice: () => {} });
          await sql.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
          await sql.end();
        }
      }
    }

    console.log('\nmedian overhead over direct at c=1 (ms):');
    for (const key of Object.keys(results).filter((k) => k !== 'direct' && results.direct?.[1] && results[k]?.[1])) {
      console.log(`  ${key.padEnd(10)} ${(results[key]![1]!.p50 - results.direct![1]!.p50).toFixed(2)}`);
    }
  } finally {
    await upstream.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
