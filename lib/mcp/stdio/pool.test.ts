// The pool's lifecycle with real processes: a server killed mid-session is restarted on the next
// call; one that hangs on initialize times out and is killed with its whole process group; one
// that prints a huge line is stopped with a clear error; a crash loop backs off with redacted
// stderr; idle children stop; the process cap evicts the least recently used idle child or answers
// 503; a changed spec restarts the child; and nothing is left behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@/lib/api/errors';
import { resetEnvCache } from '@/lib/env';
import { REDACTED } from './stderr-capture';
import { acquireStdioClient, shutdownStdioPool, stdioPoolStatus, stdioServerStderr, withStdioClient, type StdioServerSpec } from './pool';

const EVERYTHING = path.resolve('node_modules/.bin/mcp-server-everything');
const NODE = process.execPath;

// A server that reads stdin and never answers, after starting a grandchild that ignores SIGTERM;
// it ignores SIGTERM too, so only the pool's SIGKILL of the whole group ends them.
const HANG = `
import { spawn } from 'node:child_process';
import fs from 'node:fs';
const grandchild = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
process.on('SIGTERM', () => {});
fs.writeFileSync(process.argv[2], JSON.stringify({ pid: process.pid, grandchild: grandchild.pid }));
process.stdin.on('data', () => {});
`;

// A minimal raw JSON-RPC server: "crash" prints its secret to stderr and exits; "huge-init" writes
// an endless first line; "huge-call" answers tools/call with one line of argv[3] bytes.
const TINY = `
import readline from 'node:readline';
const [mode, size] = process.argv.slice(2);
if (mode === 'crash') {
  console.error('starting with API_KEY=' + process.env.API_KEY);
  console.error('upstream said: Authorization: Bearer ' + process.env.API_KEY + ' and the key is ' + process.env.API_KEY);
  process.exit(3);
}
if (mode === 'huge-init') process.stdout.write('x'.repeat(Number(size)));
const reply = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\\n');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.method === 'initialize') reply(msg.id, { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'tiny', version: '1' } });
  else if (msg.method === 'tools/call') reply(msg.id, { content: [{ type: 'text', text: 'y'.repeat(Number(size)) }] });
  else if (msg.id !== undefined) reply(msg.id, {});
});
setInterval(() => {}, 1000);
`;

let fixtures: string;
let workRoot: string;
let hang: string;
let tiny: string;
const spawned = new Set<number>();
const settings = ['MCP_STDIO_ALLOWED_COMMANDS', 'MCP_STDIO_WORK_DIR', 'MCP_STDIO_START_TIMEOUT_SECONDS', 'MCP_STDIO_MAX_MESSAGE_BYTES', 'MCP_STDIO_IDLE_SECONDS', 'MCP_STDIO_MAX_PROCESSES'];

const setSettings = (values: Record<string, string>) => {
  Object.assign(process.env, values);
  resetEnvCache();
};

/** Alive and not a zombie. */
const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
/** Gone entirely: exited and reaped (a zombie would still accept signal 0). */
const isReaped = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
};

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const pidOf = (key: string) => stdioPoolStatus().find((s) => s.key === key)?.pid ?? null;

const echo = (key: string, spec: StdioServerSpec = { command: EVERYTHING }, message = 'hi') =>
  withStdioClient(key, spec, async (client) => {
    spawned.add(pidOf(key)!);
    const result = (await client.callTool({ name: 'echo', arguments: { message } })) as { content: { text: string }[] };
    return result.content[0]!.text;
  });

const failure = async (promise: Promise<unknown>): Promise<AppError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
};

beforeAll(() => {
  fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-stdio-fixtures-'));
  workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-stdio-work-'));
  hang = path.join(fixtures, 'hang.mjs');
  tiny = path.join(fixtures, 'tiny.mjs');
  fs.writeFileSync(hang, HANG);
  fs.writeFileSync(tiny, TINY);
  setSettings({
    MCP_STDIO_ALLOWED_COMMANDS: [EVERYTHING, `${NODE} ${hang}`, `${NODE} ${tiny}`].join(','),
    MCP_STDIO_WORK_DIR: workRoot,
  });
});

afterEach(async () => {
  await shutdownStdioPool();
  for (const name of ['MCP_STDIO_START_TIMEOUT_SECONDS', 'MCP_STDIO_MAX_MESSAGE_BYTES', 'MCP_STDIO_IDLE_SECONDS', 'MCP_STDIO_MAX_PROCESSES']) delete process.env[name];
  resetEnvCache();
});

afterAll(async () => {
  await shutdownStdioPool();
  for (const name of settings) delete process.env[name];
  resetEnvCache();
  fs.rmSync(fixtures, { recursive: true, force: true });
  fs.rmSync(workRoot, { recursive: true, force: true });
});

describe('restarts', () => {
  it('a server killed with SIGKILL mid-session: the call in flight fails with 502, the next call restarts it', async () => {
    expect(await echo('killed')).toBe('Echo: hi');
    const first = pidOf('killed')!;
    const inFlight = withStdioClient('killed', { command: EVERYTHING }, (client) =>
      client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 10, steps: 5 } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(first, 'SIGKILL');
    const error = await failure(inFlight);
    expect(error).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(error.message).toMatch(/exited during the request \(killed by SIGKILL\)/);
    await waitFor(() => isReaped(first));

    expect(await echo('killed', undefined, 'again')).toBe('Echo: again');
    const second = pidOf('killed')!;
    expect(second).not.toBe(first);
    expect(stdioPoolStatus().find((s) => s.key === 'killed')).toMatchObject({ state: 'running', failures: 1 });
  });

  it('a crash loop backs off with 503 and the redacted stderr instead of spinning', async () => {
    const secret = 'crash-loop-secret-9b2c';
    const spec = { command: NODE, args: [tiny, 'crash'], env: { API_KEY: secret } };
    const first = await failure(acquireStdioClient('crash', spec));
    expect(first).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/exited during initialize \(exit code 3\)/) });
    const second = await failure(acquireStdioClient('crash', spec));
    expect(second.code).toBe('upstream_error');
    const third = await failure(acquireStdioClient('crash', spec));
    expect(third).toMatchObject({ code: 'unavailable', status: 503 });
    expect(third.message).toMatch(/failed 2 times in a row; next attempt in 1 s\. Last error: .*exited during initialize/);
    expect(third.headers['Retry-After']).toBe('1');

    const stderr = String(first.details.stderr);
    expect(stderr).toContain(`API_KEY=${REDACTED}`);
    expect(stderr).toContain(`Bearer ${REDACTED}`);
    for (const text of [stderr, String(third.details.stderr), stdioServerStderr('crash'), JSON.stringify(stdioPoolStatus())]) {
      expect(text).not.toContain(secret);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await failure(acquireStdioClient('crash', spec))).code).toBe('upstream_error'); // retried after the backoff
  });

  it('a changed command, args or env restarts the child', async () => {
    await echo('changing', { command: EVERYTHING, env: { A: '1' } });
    const first = pidOf('changing')!;
    await echo('changing', { command: EVERYTHING, env: { A: '1' } });
    expect(pidOf('changing')).toBe(first);
    await echo('changing', { command: EVERYTHING, env: { A: '2' } });
    expect(pidOf('changing')).not.toBe(first);
    await waitFor(() => isReaped(first));
  });
});

describe('misbehaving servers', () => {
  it('hanging on initialize: a timeout error, and the server and its grandchild are killed (SIGTERM ignored → SIGKILL)', async () => {
    setSettings({ MCP_STDIO_START_TIMEOUT_SECONDS: '1' });
    const pidFile = path.join(fixtures, 'hang.pids');
    const started = Date.now();
    const error = await failure(acquireStdioClient('hang', { command: NODE, args: [hang, pidFile] }));
    expect(error).toMatchObject({ code: 'timeout', status: 504 });
    expect(error.message).toMatch(/did not answer initialize within 1 s; it was stopped/);
    const { pid, grandchild } = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as { pid: number; grandchild: number };
    spawned.add(pid);
    // Initialize timeout (1 s) + the SIGTERM grace (2 s) before SIGKILL.
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(isReaped(pid)).toBe(true);
    await waitFor(() => !isRunning(grandchild));
  });

  it('a line longer than MCP_STDIO_MAX_MESSAGE_BYTES during initialize stops the server with a clear error', async () => {
    setSettings({ MCP_STDIO_MAX_MESSAGE_BYTES: String(64 * 1024) });
    const error = await failure(acquireStdioClient('huge-init', { command: NODE, args: [tiny, 'huge-init', String(1024 * 1024)] }));
    expect(error).toMatchObject({ code: 'upstream_error' });
    expect(error.message).toBe('The stdio server sent a message larger than 65536 bytes (MCP_STDIO_MAX_MESSAGE_BYTES); it was stopped');
    expect(pidOf('huge-init')).toBeNull();
  });

  it('a huge answer mid-session stops the server with a clear error; the next call starts it again', async () => {
    setSettings({ MCP_STDIO_MAX_MESSAGE_BYTES: String(256 * 1024) });
    const spec = { command: NODE, args: [tiny, 'huge-call', String(1024 * 1024)] };
    const lease = await acquireStdioClient('huge-call', spec);
    const pid = lease.pid;
    spawned.add(pid);
    lease.release();
    const error = await failure(withStdioClient('huge-call', spec, (client) => client.callTool({ name: 'big', arguments: {} })));
    expect(error).toMatchObject({ code: 'upstream_error', message: 'The stdio server sent a message larger than 262144 bytes (MCP_STDIO_MAX_MESSAGE_BYTES); it was stopped' });
    await waitFor(() => isReaped(pid));
    const again = await acquireStdioClient('huge-call', spec);
    expect(again.pid).not.toBe(pid);
    spawned.add(again.pid);
    again.release();
  });
});

describe('limits', () => {
  it('stops a child idle for MCP_STDIO_IDLE_SECONDS, not one in use', async () => {
    setSettings({ MCP_STDIO_IDLE_SECONDS: '1' });
    await echo('idle');
    const idlePid = pidOf('idle')!;
    const busy = await acquireStdioClient('busy', { command: EVERYTHING });
    spawned.add(busy.pid);
    await waitFor(() => isReaped(idlePid), 4_000);
    expect(pidOf('idle')).toBeNull();
    expect(isRunning(busy.pid)).toBe(true);
    busy.release();
    await waitFor(() => isReaped(busy.pid), 4_000);
    // The next use starts it again.
    expect(await echo('idle')).toBe('Echo: hi');
  });

  it('at MCP_STDIO_MAX_PROCESSES stops the least recently used idle child, or answers 503 when all are busy', async () => {
    setSettings({ MCP_STDIO_MAX_PROCESSES: '2' });
    await echo('a');
    await echo('b');
    const [a, b] = [pidOf('a')!, pidOf('b')!];
    await echo('a'); // b is now the least recently used
    await echo('c');
    await waitFor(() => isReaped(b));
    expect(pidOf('b')).toBeNull();
    expect(pidOf('a')).toBe(a);
    expect(stdioPoolStatus().filter((s) => s.pid).length).toBe(2);

    const leases = await Promise.all(['a', 'c'].map((key) => acquireStdioClient(key, { command: EVERYTHING })));
    const error = await failure(acquireStdioClient('d', { command: EVERYTHING }));
    expect(error).toMatchObject({ code: 'unavailable', status: 503, message: expect.stringMatching(/All 2 stdio server processes are busy/) });
    for (const lease of leases) lease.release();
    expect(await echo('d')).toBe('Echo: hi');
  });

  it('starts one child for concurrent first calls of the same key', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => echo('concurrent', undefined, `m${i}`)));
    expect(results).toEqual(['Echo: m0', 'Echo: m1', 'Echo: m2', 'Echo: m3', 'Echo: m4']);
    expect(stdioPoolStatus().filter((s) => s.key === 'concurrent')).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('stops every child (kept running until now) and leaves no process of ours behind', async () => {
    await echo('last-1');
    await echo('last-2');
    const running = stdioPoolStatus().map((s) => s.pid!);
    expect(running).toHaveLength(2);
    await shutdownStdioPool();
    expect(stdioPoolStatus()).toEqual([]);
    for (const pid of [...running, ...spawned]) expect(isReaped(pid)).toBe(true);
    const children = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !/\sps$/.test(line));
    expect(children).toEqual([]);
  });
});
