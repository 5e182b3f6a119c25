// The database: embedded PGlite in DATA_DIR by default, Postgres (postgres-js) when DATABASE_URL
// is set. Both run the same committed migrations, awaited before the first query is answered.
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { env } from '@/lib/env';
import { acquirePidLock } from './pid-lock';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export const MIGRATIONS_FOLDER = path.join(process.cwd(), 'db', 'migrations');

interface DbHandle {
  db: Db;
  close: () => Promise<void>;
}

// Cached on globalThis so hot reload in `next dev` reuses the open database instead of opening
// a second PGlite on the same directory.
const g = globalThis as unknown as { __axsDb?: Promise<DbHandle> };

/** The process-wide database, opened and migrated on first use. */
export async function getDb(): Promise<Db> {
  if (!g.__axsDb) {
    const opening = openDatabase();
    g.__axsDb = opening;
    // A failed open must not be cached, or every later request would fail with it.
    opening.catch(() => {
      if (g.__axsDb === opening) g.__axsDb = undefined;
    });
  }
  return (await g.__axsDb).db;
}

/** Tests install their own database (in-memory PGlite or a fresh Postgres database). */
export function setDbForTests(db: Db): void {
  g.__axsDb = Promise.resolve({ db, close: async () => {} });
}

export async function closeDb(): Promise<void> {
  const handle = g.__axsDb;
  g.__axsDb = undefined;
  if (handle) await (await handle).close();
}

async function openDatabase(): Promise<DbHandle> {
  const { DATABASE_URL, DATA_DIR } = env();
  return DATABASE_URL ? openPostgres(DATABASE_URL) : openEmbedded(DATA_DIR);
}

/**
 * `template`: (in-memory only) start from a dump of an already migrated database
 * (PGlite dumpDataDir) instead of an empty one — the test suite makes one per run, so each test
 * file's fresh database costs a load instead of initdb plus every migration.
 */
export async function openEmbedded(dataDir: string | null, options: { template?: Blob } = {}): Promise<DbHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  let releaseLock = () => {};
  let client;
  if (dataDir) {
    // PGlite neither creates parent directories nor guards against a second process.
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    releaseLock = acquirePidLock(path.join(dataDir, 'pglite.pid'));
    client = new PGlite(path.join(dataDir, 'pglite'));
  } else {
    client = new PGlite(options.template ? { loadDataDir: options.template } : undefined);
  }
  try {
    await client.waitReady;
    const db = drizzle({ client, schema }) as unknown as Db;
    await migrate(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return {
      db,
      close: async () => {
        await client.close();
        releaseLock();
      },
    };
  } catch (error) {
    await client.close().catch(() => {});
    releaseLock();
    throw error;
  }
}

export async function openPostgres(url: string): Promise<DbHandle> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // Several instances may start at once: one migrates while the others wait on the lock. A
  // one-connection client keeps the session-level advisory lock and the migration together.
  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(4242001)`;
    await migrate(drizzle({ client: migrator }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await migrator.end({ timeout: 5 }).catch(() => {});
  }
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const db = drizzle({ client, schema }) as unknown as Db;
  return { db, close: () => client.end({ timeout: 5 }) };
}

/** Readiness: true when the database answers a trivial query. */
export async function pingDb(): Promise<boolean> {
  try {
    const db = await getDb();
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
