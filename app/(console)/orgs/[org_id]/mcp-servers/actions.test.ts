// The console's MCP server actions: what REST allows and refuses, with the refusals placed on the
// form (the allowlist's message on the command field, the setting's name in the message), health
// checks answered as results, and connections created through a registration.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connections, mcpServerRegistrations } from '@/db/schema';
import type { UserCtx } from '@/lib/auth/context';
import { resetEnvCache } from '@/lib/env';
import { setupTestDb } from '@/test/helpers/db';
import { addMembership, makeOrg, makeUser, type TestOrg, type TestUser } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';

// Server actions read the signed-in user from the session; here it is whoever `as` names.
const session = vi.hoisted(() => ({ ctx: undefined as UserCtx | undefined }));
vi.mock('@/lib/auth/action-ctx', () => ({
  userActionCtx: async () => session.ctx,
  pageUserCtx: async () => session.ctx,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));
// redirect() ends an action by throwing; here it throws where it would go.
vi.mock('next/navigation', () => ({
  redirect: (to: string) => {
    throw Object.assign(new Error(`redirect ${to}`), { redirectedTo: to });
  },
  notFound: () => {
    throw new Error('not found');
  },
  unstable_rethrow: (error: unknown) => {
    if (error && typeof error === 'object' && 'redirectedTo' in error) throw error;
  },
}));

const actions = await import('./actions');

const EVERYTHING = path.resolve('node_modules/.bin/mcp-server-everything');

const t = setupTestDb();
let o: TestOrg;
let admin: TestUser;
let member: TestUser;
let upstream: TestMcpServer;
let workRoot: string;

const as = (user: TestUser, instanceAdmin = false) => {
  session.ctx = { ...user.ctx, actor: { ...user.ctx.actor, via: 'session', isInstanceAdmin: instanceAdmin } };
};
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};
/** Runs an action that should end in a redirect; answers where to. */
async function redirectOf(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    (state) => {
      throw new Error(`no redirect: ${JSON.stringify(state)}`);
    },
    (e: unknown) => e,
  );
  if (!(error && typeof error === 'object' && 'redirectedTo' in error)) throw error;
  return String(error.redirectedTo);
}
const registrationsNamed = (name: string) => t.db.select().from(mcpServerRegistrations).where(eq(mcpServerRegistrations.name, name));

beforeAll(async () => {
  workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-console-mcp-'));
  Object.assign(process.env, { MCP_STDIO_ALLOWED_COMMANDS: EVERYTHING, MCP_STDIO_WORK_DIR: workRoot, UPSTREAM_ALLOW_PRIVATE: 'true' });
  resetEnvCache();
  o = await makeOrg();
  admin = await makeUser('admin');
  await addMembership(o.id, admin, 'admin');
  member = await makeUser('member');
  await addMembership(o.id, member, 'member');
  upstream = await startTestMcpServer({ name: 'console-upstream' });
});

afterEach(() => {
  delete process.env.MCP_STDIO_REGISTRATION;
  resetEnvCache();
});

afterAll(async () => {
  await upstream?.close();
  for (const name of ['MCP_STDIO_ALLOWED_COMMANDS', 'MCP_STDIO_WORK_DIR', 'UPSTREAM_ALLOW_PRIVATE']) delete process.env[name];
  resetEnvCache();
  fs.rmSync(workRoot, { recursive: true, force: true });
});

describe('registering from the console', () => {
  it('registers a stdio server from form text and opens its page', async () => {
    process.env.MCP_STDIO_REGISTRATION = 'org_admin';
    resetEnvCache();
    as(admin);
    const to = await redirectOf(
      actions.createMcpServerAction(
        o.id,
        {},
        form({ environment_id: o.envId, name: 'Everything', server_type: 'stdio', command: EVERYTHING, args: 'stdio\n', env_vars: 'LOG_LEVEL=debug', slug: '' }),
      ),
    );
    const [row] = await registrationsNamed('Everything');
    expect(to).toBe(`/orgs/${o.id}/mcp-servers/${row!.id}`);
    expect(row).toMatchObject({ serverType: 'stdio', command: EVERYTHING, args: ['stdio'], envVars: { LOG_LEVEL: 'debug' }, slug: 'everything' });
  });

  it('puts the allowlist refusal on the command field and keeps what was typed', async () => {
    process.env.MCP_STDIO_REGISTRATION = 'org_admin';
    resetEnvCache();
    as(admin);
    const state = await actions.createMcpServerAction(o.id, {}, form({ environment_id: o.envId, name: 'Shell', server_type: 'stdio', command: 'sh', args: '-c\nid' }));
    expect(state.message).toBe(`Command "sh" is not on this instance's list of allowed stdio commands (MCP_STDIO_ALLOWED_COMMANDS)`);
    expect(state.fields).toEqual({ command: [state.message] });
    expect(state.values).toMatchObject({ command: 'sh', args: '-c\nid', server_type: 'stdio' });
    expect(await registrationsNamed('Shell')).toEqual([]);
  });

  it('names MCP_STDIO_REGISTRATION when only the instance administrator may register stdio servers', async () => {
    process.env.MCP_STDIO_REGISTRATION = 'instance_admin';
    resetEnvCache();
    as(admin);
    const state = await actions.createMcpServerAction(o.id, {}, form({ environment_id: o.envId, name: 'Not mine', server_type: 'stdio', command: EVERYTHING }));
    expect(state.message).toContain('MCP_STDIO_REGISTRATION=instance_admin');
    expect(await registrationsNamed('Not mine')).toEqual([]);
    // http servers stay an org admin's.
    const to = await redirectOf(
      actions.createMcpServerAction(o.id, {}, form({ environment_id: o.envId, name: 'Remote', server_type: 'http', endpoint: upstream.url, auth_method: 'none' })),
    );
    expect(to).toMatch(new RegExp(`/orgs/${o.id}/mcp-servers/[0-9a-f-]{36}$`));
  });

  it('refuses members, and shape errors per field as REST does', async () => {
    process.env.MCP_STDIO_REGISTRATION = 'org_admin';
    resetEnvCache();
    as(member);
    const forbidden = await actions.createMcpServerAction(o.id, {}, form({ environment_id: o.envId, name: 'M', server_type: 'http', endpoint: upstream.url }));
    expect(forbidden.message).toMatch(/admin/);
    as(admin);
    const bad = await actions.createMcpServerAction(o.id, {}, form({ environment_id: o.envId, name: 'Bad', server_type: 'http', endpoint: '' }));
    expect(bad.fields).toEqual({ endpoint: ['An http server needs an endpoint URL'] });
    const badEnv = await actions.createMcpServerAction(o.id, {}, form({ environment_id: o.envId, name: 'Bad', server_type: 'stdio', command: EVERYTHING, env_vars: 'NODE_OPTIONS=--require /tmp/x.js' }));
    expect(Object.keys(badEnv.fields ?? {})).toEqual(['env_vars.NODE_OPTIONS']);
  });
});

describe('a registration’s page', () => {
  it('checks health, creates a connection through it, disables and deletes it', async () => {
    as(admin);
    const [remote] = await registrationsNamed('Remote');
    const id = remote!.id;

    const health = await actions.checkMcpServerHealthAction(o.id, {}, form({ mcp_server_id: id }));
    expect(health.result).toMatchObject({ status: 'healthy', message: 'console-upstream 1.2.3 answered initialize and ping' });
    expect(health.result!.latency_ms).toBeGreaterThanOrEqual(0);
    const [checked] = await registrationsNamed('Remote');
    expect(checked).toMatchObject({ healthStatus: 'healthy', lastHealthCheck: expect.any(Date) });
    as(member);
    expect((await actions.checkMcpServerHealthAction(o.id, {}, form({ mcp_server_id: id }))).result).toBeUndefined();

    // Members create connections, also through a registration.
    const to = await redirectOf(actions.createConnectionThroughServerAction(o.id, {}, form({ mcp_server_id: id, name: 'remote-conn' })));
    const [conn] = await t.db.select().from(connections).where(eq(connections.name, 'remote-conn'));
    expect(to).toBe(`/orgs/${o.id}/connections/${conn!.id}`);
    expect(conn).toMatchObject({ mcpServerRegistrationId: id, endpoint: null, transport: 'streamable_http', environmentId: o.envId });
    const badName = await actions.createConnectionThroughServerAction(o.id, {}, form({ mcp_server_id: id, name: 'no spaces allowed' }));
    expect(Object.keys(badName.fields ?? {})).toEqual(['name']);

    as(admin);
    const disabled = await actions.setMcpServerEnabledAction(o.id, {}, form({ mcp_server_id: id, enabled: 'false' }));
    expect(disabled.ok).toContain('disabled');
    expect((await actions.checkMcpServerHealthAction(o.id, {}, form({ mcp_server_id: id }))).message).toBe('This MCP server registration is disabled');

    const wrong = await actions.deleteMcpServerAction(o.id, {}, form({ mcp_server_id: id, confirm: 'remote' }));
    expect(wrong.fields).toEqual({ confirm: ['Does not match Remote'] });
    expect(await redirectOf(actions.deleteMcpServerAction(o.id, {}, form({ mcp_server_id: id, confirm: 'Remote' })))).toBe(`/orgs/${o.id}/mcp-servers`);
    expect(await registrationsNamed('Remote')).toEqual([]);
  });
});
