// The pool with the real reference servers over stdio: server-everything (tools, echo, and its
// get-env tool proving the child sees none of the platform's environment), server-memory and
// server-filesystem; refusals that must happen before anything is spawned.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@/lib/api/errors';
import { env, resetEnvCache } from '@/lib/env';
import { storeSecret } from '@/lib/secrets/service';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { shutdownStdioPool, stdioPoolStatus, withStdioClient, type StdioServerSpec } from './pool';

const bin = (name: string) => path.resolve('node_modules/.bin', name);
const EVERYTHING = bin('mcp-server-everything');
const MEMORY = bin('mcp-server-memory');
const FILESYSTEM = bin('mcp-server-filesystem');

const t = setupTestDb();
let org: TestOrg;
let workRoot: string;
let scratch: string;
const spawned = new Set<number>();

const textOf = (result: unknown): string => {
  const content = (result as { content: { type: string; text?: string }[] }).content;
  return content.map((c) => c.text ?? '').join('');
};

const use = <T>(key: string, spec: StdioServerSpec, fn: Parameters<typeof withStdioClient<T>>[2]) =>
  withStdioClient(key, spec, async (client, lease) => {
    for (const s of stdioPoolStatus()) if (s.pid) spawned.add(s.pid);
    return fn(client, lease);
  });

beforeAll(async () => {
  workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-stdio-work-'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-stdio-scratch-'));
  Object.assign(process.env, {
    MCP_STDIO_ALLOWED_COMMANDS: [EVERYTHING, MEMORY, FILESYSTEM].join(','),
    MCP_STDIO_WORK_DIR: workRoot,
    // The platform's own secrets, and a canary: none may reach a child.
    AXS_CANARY_SECRET: 'canary-7f3a9c1e5b',
    DATABASE_URL: 'postgres://platform:platform-db-password@127.0.0.1:5432/platform',
    AUTH_SECRET: 'platform-auth-secret-0123456789abcdef0123',
  });
  resetEnvCache();
  org = await makeOrg();
});

afterAll(async () => {
  await shutdownStdioPool();
  for (const name of ['MCP_STDIO_ALLOWED_COMMANDS', 'MCP_STDIO_WORK_DIR', 'AXS_CANARY_SECRET', 'DATABASE_URL', 'AUTH_SECRET']) delete process.env[name];
  resetEnvCache();
  fs.rmSync(workRoot, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('server-everything over stdio', () => {
  it('lists its tools and answers echo', async () => {
    const { names, echoed } = await use('everything', { command: EVERYTHING }, async (client) => {
      const { tools } = await client.listTools();
      const result = await client.callTool({ name: 'echo', arguments: { message: 'hello over stdio' } });
      return { names: tools.map((tool) => tool.name), echoed: textOf(result) };
    });
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-env', 'get-sum']));
    expect(echoed).toBe('Echo: hello over stdio');
  });

  it("runs with a minimal environment: the registration's variables (a stored secret resolved), never the platform's", async () => {
    const stored = await storeSecret(org.ownerCtx, { name: 'upstream token', value: 'resolved-upstream-token-5d1e' });
    const spec: StdioServerSpec = {
      command: EVERYTHING,
      env: { REGISTRATION_VAR: 'registration-value', UPSTREAM_TOKEN: `secret_ref:${stored.secret_ref}` },
      secrets: { db: t.db, orgId: org.id },
    };
    const childEnv = await use('everything-env', spec, async (client) => {
      const { tools } = await client.listTools();
      const envTool = tools.find((tool) => tool.name === 'get-env' || tool.name === 'printEnv')!;
      return JSON.parse(textOf(await client.callTool({ name: envTool.name, arguments: {} }))) as Record<string, string>;
    });
    expect(process.env.AXS_CANARY_SECRET).toBe('canary-7f3a9c1e5b');
    expect(childEnv.REGISTRATION_VAR).toBe('registration-value');
    expect(childEnv.UPSTREAM_TOKEN).toBe('resolved-upstream-token-5d1e');
    for (const name of ['AXS_CANARY_SECRET', 'DATABASE_URL', 'AUTH_SECRET', 'SECRETS_KEK', 'DATA_DIR', 'NODE_OPTIONS', 'VITEST', 'NODE_ENV']) {
      expect(childEnv).not.toHaveProperty(name);
    }
    const dump = JSON.stringify(childEnv);
    for (const value of ['canary-7f3a9c1e5b', 'platform-db-password', 'platform-auth-secret', env().DATA_DIR]) expect(dump).not.toContain(value);
    // Only the allowlisted names (plus what Node itself sets for its child) and the registration's.
    const allowed = new Set(['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'REGISTRATION_VAR', 'UPSTREAM_TOKEN']);
    expect(Object.keys(childEnv).filter((name) => !allowed.has(name))).toEqual([]);
    expect(childEnv.HOME).toMatch(new RegExp(`^${workRoot}/[0-9a-f]{24}/home$`));
    expect(childEnv.TMPDIR).toBe(childEnv.HOME!.replace(/home$/, 'tmp'));
  });

  it('refuses NODE_OPTIONS and LD_PRELOAD with a 400 and a command off the list with a 403 — before spawning anything', async () => {
    const before = stdioPoolStatus().filter((s) => s.pid).length;
    for (const [name, value] of [
      ['NODE_OPTIONS', '--require /tmp/evil.js'],
      ['LD_PRELOAD', '/tmp/evil.so'],
    ]) {
      const error = await use(`refused-${name}`, { command: EVERYTHING, env: { [name!]: value! } }, async () => 'ran').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'invalid_input', status: 400, message: expect.stringContaining(`Environment variable ${name} is not allowed`) });
    }
    for (const command of ['/bin/sh', 'npx', 'node']) {
      const error = await use(`refused-${command}`, { command, args: ['-c', 'id'] }, async () => 'ran').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'forbidden', status: 403 });
    }
    expect(stdioPoolStatus().filter((s) => s.pid).length).toBe(before);
  });
});

describe('server-memory and server-filesystem over stdio', () => {
  it('server-memory stores and reads back an entity', async () => {
    const spec = { command: MEMORY, env: { MEMORY_FILE_PATH: path.join(scratch, 'memory.jsonl') } };
    const graph = await use('memory', spec, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['create_entities', 'read_graph']));
      await client.callTool({ name: 'create_entities', arguments: { entities: [{ name: 'gateway', entityType: 'service', observations: ['pooled'] }] } });
      return textOf(await client.callTool({ name: 'read_graph', arguments: {} }));
    });
    expect(graph).toContain('gateway');
    expect(fs.readFileSync(path.join(scratch, 'memory.jsonl'), 'utf8')).toContain('gateway');
  });

  it('server-filesystem lists the directory it was given', async () => {
    const dir = fs.mkdtempSync(path.join(scratch, 'files-'));
    fs.writeFileSync(path.join(dir, 'hello.txt'), 'hi');
    const listing = await use('filesystem', { command: FILESYSTEM, args: [dir] }, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['list_directory', 'read_text_file']));
      return textOf(await client.callTool({ name: 'list_directory', arguments: { path: dir } }));
    });
    expect(listing).toContain('hello.txt');
  });

  it('the same client is reused across calls (one child per key)', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 3; i++) {
      await use('everything', { command: EVERYTHING }, async (client) => {
        await client.ping();
        pids.add(stdioPoolStatus().find((s) => s.key === 'everything')!.pid!);
      });
    }
    expect(pids.size).toBe(1);
  });
});

describe('after shutdown', () => {
  it('no child process of ours is left, and every one was reaped', async () => {
    await shutdownStdioPool();
    expect(spawned.size).toBeGreaterThanOrEqual(4);
    for (const pid of spawned) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    // Our children, but ps itself: anything listed would be a leftover (or a zombie).
    const children = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() && !/\sps$/.test(line));
    expect(children).toEqual([]);
  });
});
