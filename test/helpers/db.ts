// A fresh, migrated database per test file: in-memory PGlite by default, or a new database on
// the Postgres server named by TEST_DATABASE_URL (dropped again afterwards).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { closeDb, openEmbedded, openPostgres, setDbForTests, type Db } from '@/db/client';

export interface TestDb {
  db: Db;
  close: () => Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return openEmbedded(null);
  const { default: postgres } = await import('postgres');
  const name = `axs_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString());
  return {
    db: handle.db,
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Installs a fresh database as the app's database for the tests of this file. */
export function setupTestDb(): { readonly db: Db } {
  let handle: TestDb | undefined;
  beforeAll(async () => {
    handle = await createTestDb();
    setDbForTests(handle.db);
  });
  afterAll(async () => {
    await closeDb();
    await handle?.close();
  });
  return {
    get db() {
      if (!handle) throw new Error('test database not ready');
      return handle.db;
    },
  };
}
