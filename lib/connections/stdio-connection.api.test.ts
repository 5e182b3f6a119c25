// A connection through a registered stdio server, end to end with the real server-everything:
// test and sync go through the process pool (allowlist, clean environment, process group).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as syncRoute from '@/app/api/v1/connections/[id]/sync/route';
import * as testRoute from '@/app/api/v1/connections/[id]/test/route';
import * as list from '@/app/api/v1/orgs/[org_id]/connections/route';
import * as toolList from '@/app/api/v1/orgs/[org_id]/tools/route';
import { mcpServerRegistrations } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { shutdownStdioPool, stdioPoolStatus } from '@/lib/mcp/stdio/pool';
import { call } from '@/test/helpers/api';
import { setupTestDb } from '@/test/helpers/db';
import { makeOrg, type TestOrg } from '@/test/helpers/fixtures';

const t = setupTestDb();
const EVERYTHING = path.resolve('node_modules/.bin/mcp-server-everything');
let org: TestOrg;
let workRoot: string;

beforeAll(async () => {
  workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-stdio-conn-'));
  Object.assign(process.env, { MCP_STDIO_ALLOWED_COMMANDS: EVERYTHING, MCP_STDIO_WORK_DIR: workRoot });
  resetEnvCache();
  org = await makeOrg();
});

afterAll(async () => {
  await shutdownStdioPool();
  delete process.env.MCP_STDIO_ALLOWED_COMMANDS;
  delete process.env.MCP_STDIO_WORK_DIR;
  resetEnvCache();
  fs.rmSync(workRoot, { recursive: true, force: true });
});

describe('stdio connection', () => {
  it('tests and syncs server-everything through the pool, and leaves no child behind', async () => {
    const [registration] = await t.db
      .insert(mcpServerRegistrations)
      .values({ organizationId: org.id, environmentId: org.envId, name: 'everything', slug: 'everything', serverType: 'stdio', command: EVERYTHING, args: [] })
      .returning();
    const created = await call(list.POST, 'POST', '/x', {
      token: org.owner.token,
      params: { org_id: org.id },
      body: { environment_id: org.envId, name: 'everything', mcp_server_registration_id: registration!.id },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.transport).toBe('stdio');
    const id = created.body.id;

    const tested = await call(testRoute.POST, 'POST', '/x', { token: org.owner.token, params: { id } });
    expect(tested.status, JSON.stringify(tested.body)).toBe(200);
    expect(tested.body.server_info.name).toMatch(/everything/i);

    const synced = await call(syncRoute.POST, 'POST', '/x', { token: org.owner.token, params: { id } });
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);
    expect(synced.body.tools_total).toBeGreaterThan(3);
    const tools = await call(toolList.GET, 'GET', `/x?connection_id=${id}&page_size=200`, { token: org.owner.token, params: { org_id: org.id } });
    const names = tools.body.results.map((tool: { name: string }) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-env']));

    const pids = stdioPoolStatus().map((s) => s.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBe(1);
    await shutdownStdioPool();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
