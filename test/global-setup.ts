// Once per test run, before any test file: a migrated database every test file starts from.
// Embedded: a PGlite dump (loaded per file instead of running initdb and every migration).
// Postgres (TEST_DATABASE_URL): a migrated template database each file's database copies.
// Each file still gets its own fresh database; the template is only where it starts.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default async function setup(): Promise<() => Promise<void>> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const { openEmbedded } = await import('../db/client');
    const handle = await openEmbedded(null);
    const client = (handle.db as unknown as { $client: { dumpDataDir: (compression: 'none') => Promise<Blob> } }).$client;
    const dump = await client.dumpDataDir('none');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'axs-template-')), 'pglite.tar');
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await handle.close();
    process.env.AXS_TEST_PGLITE_TEMPLATE = file;
    return async () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  const { default: postgres } = await import('postgres');
  const { openPostgres } = await import('../db/client');
  const name = `axs_template_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openPostgres(url.toString());
  // A template may have no open connections while it is copied.
  await handle.close();
  process.env.AXS_TEST_PG_TEMPLATE = name;
  return async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}
