// Tool sync throughput: time to sync N tools (default 1,000) from a local MCP server over
// Streamable HTTP — the first sync (all created), a re-sync (all unchanged), and a re-sync after
// every definition changed (all held for review, each audited). Prints figures, asserts nothing.
//
//   npx tsx bench/tool-sync.ts                    # embedded PGlite, in memory
//   BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npx tsx bench/tool-sync.ts
//                                                 # Postgres (a fresh database, dropped after)
//
// Optional: BENCH_TOOLS (default 1000), BENCH_PAGE_SIZE (tools/list page size, default 100).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { closeDb, openEmbedded, openPostgres, setDbForTests } from '@/db/client';
import { connections } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { syncConnection } from '@/lib/tools/sync';
import { makeOrg } from '@/test/helpers/fixtures';
import { startTestMcpServer, type TestTool } from '@/test/helpers/mcp-server';

const TOOLS = Number(process.env.BENCH_TOOLS ?? 1000);
const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 100);

/** A tool with a schema of realistic size (a handful of typed, described properties). */
function tool(i: number, variant = ''): TestTool {
  return {
    name: `tool_${i}`,
    description: `Bench tool number ${i}${variant}: does something useful with its inputs.`,
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for', minLength: 1 },
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
        mode: { type: 'string', enum: ['fast', 'exact', 'fuzzy'] },
        filters: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, value: { type: 'string' } }, required: ['field'] } },
        ...(variant ? { extra: { type: 'boolean' } } : {}),
      },
      required: ['query'],
      additionalProperties: false,
    },
    annotations: { readOnlyHint: i % 2 === 0, title: `Tool ${i}` },
  };
}

type DbHandle = Awaited<ReturnType<typeof openEmbedded>>;

async function openDb(): Promise<DbHandle> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) return openEmbedded(null);
  const { default: postgres } = await import('postgres');
  const name = `axs_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString());
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function main() {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  process.env.LOG_LEVEL ??= 'silent';
  resetEnvCache();
  const handle = await openDb();
  setDbForTests(handle.db);
  const server = await startTestMcpServer({ tools: Array.from({ length: TOOLS }, (_, i) => tool(i)), pageSize: PAGE_SIZE });
  try {
    const org = await makeOrg();
    const [conn] = await handle.db
      .insert(connections)
      .values({ organizationId: org.id, environmentId: org.envId, name: 'bench', endpoint: server.url })
      .returning();
    const ctx = org.owner.ctx;
    const db = process.env.BENCH_DATABASE_URL ? 'Postgres' : 'PGlite (in memory)';
    console.log(`tool sync: ${TOOLS} tools, tools/list pages of ${PAGE_SIZE}, ${db}`);
    const run = async (label: string) => {
      const t = performance.now();
      const result = await syncConnection(ctx, conn!.id);
      const ms = performance.now() - t;
      const counts = Object.entries(result.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      console.log(`  ${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  (${result.pages} pages; ${counts})`);
    };
    await run('first sync (all new)');
    await run('re-sync (unchanged)');
    await run('re-sync (unchanged, again)');
    server.setTools(Array.from({ length: TOOLS }, (_, i) => tool(i, ' v2')));
    await run('re-sync (all redefined → review)');
  } finally {
    await server.close();
    await closeDb();
    await handle.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
