// A fresh, migrated database per test file: in-memory PGlite by default, or a new database on
// the Postgres server named by TEST_DATABASE_URL (dropped again afterwards).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { closeDb, openEmbedded, openPostgres, setDbForTests, type Db } from '@/db/client';

export interface TestDb {
  db: Db;
  close: () => Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    // test/global-setup.ts left a migrated database's dump: loading it beats migrating anew.
    const dump = process.env.AXS_TEST_PGLITE_TEMPLATE;
    return openEmbedded(null, dump && fs.existsSync(dump) ? { template: new Blob([fs.readFileSync(dump)]) } : {});
  }
  const { default: postgres } = await import('postgres');
  const name = `axs_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  // A migrated template (test/global-setup.ts) copied by the server, when there is one.
  const template = process.env.AXS_TEST_PG_TEMPLATE;
  await admin.unsafe(template ? `create database ${name} template ${template}` : `create database ${name}`);
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
