// The reset-password CLI on an embedded database in DATA_DIR. Two cases run the real command as
// operators run it (package.json's script in a child process, the password piped on stdin),
// including its refusal while another process holds the database. The others call the same
// command in-process (bin/reset-password-command.ts) on the same database: the same code, without
// paying for a process that starts tsx and PGlite each time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { format } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openEmbedded, type Db } from '@/db/client';
import { apiTokens, users } from '@/db/schema';
import { generateUserToken } from '@/lib/auth/api-tokens';
import { hashPassword, verifyPassword } from '@/lib/auth/passwords';
import { resetEnvCache } from '@/lib/env';
import { runResetPassword } from './reset-password-command';

const ROOT = path.resolve(import.meta.dirname, '..');
const EMAIL = 'ada@example.com';
const OLD_PASSWORD = 'the old password';

let dataDir: string;
const savedEnv = { DATA_DIR: process.env.DATA_DIR, DATABASE_URL: process.env.DATABASE_URL };

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** `npm run reset-password -- <args>` as npm runs it: the script through sh, node_modules/.bin first on PATH. */
function runCli(args: string[], stdin = ''): Promise<CliResult> {
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts['reset-password'] as string;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
  };
  delete childEnv.DATABASE_URL;
  const child = spawn([script, ...args.map(quote)].join(' '), { cwd: ROOT, env: childEnv, shell: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same command in this process (DATA_DIR points at the test's database, see beforeAll). */
async function runInProcess(args: string[], stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts) => void (stdout += `${format(...parts)}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...parts) => void (stderr += `${format(...parts)}\n`));
  try {
    const code = await runResetPassword(args, Readable.from(stdin ? [stdin] : []));
    return { code, stdout, stderr };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** Opens the CLI's database from this process (taking its lock) for the length of `fn`. */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const handle = await openEmbedded(dataDir);
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

const accountIn = async (db: Db) => (await db.select().from(users).where(eq(users.email, EMAIL)))[0]!;
const tokenCountIn = async (db: Db) => (await db.select().from(apiTokens)).length;
const account = () => withDb(accountIn);

async function addToken(db: Db): Promise<void> {
  const { hash, prefix } = generateUserToken();
  const user = await accountIn(db);
  await db.insert(apiTokens).values({ userId: user.id, tokenHash: hash, prefix, expiresAt: new Date(Date.now() + 3600_000) });
}

/**
 * A migrated embedded database in `dir`: from the suite's migrated template when there is one
 * (test/global-setup.ts), which beats initdb plus every migration; openEmbedded migrates either way.
 */
async function createEmbeddedDatabase(dir: string): Promise<void> {
  const dump = process.env.AXS_TEST_PGLITE_TEMPLATE;
  if (!dump || !fs.existsSync(dump)) return;
  const { PGlite } = await import('@electric-sql/pglite');
  const client = new PGlite(path.join(dir, 'pglite'), { loadDataDir: new Blob([fs.readFileSync(dump)]) });
  await client.waitReady;
  await client.close();
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-reset-password-'));
  await createEmbeddedDatabase(dataDir);
  await withDb(async (db) => {
    await db.insert(users).values({ email: EMAIL, password: await hashPassword(OLD_PASSWORD) });
    await addToken(db);
  });
  // The in-process command reads its settings as the CLI does: env() on this process's environment.
  process.env.DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  resetEnvCache();
});

afterAll(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnvCache();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// A child process starts tsx, opens PGlite and runs migrations: seconds, not milliseconds.
describe('reset-password CLI (the real command, in a child process)', { timeout: 60_000 }, () => {
  it('sets the password from the first line of stdin and ends sessions and tokens', async () => {
    const before = await withDb(async (db) => {
      await addToken(db);
      return accountIn(db);
    });
    const newPassword = 'a brand new password';

    const result = await runCli(['--email', 'ADA@example.com'], `${newPassword}\nignored second line\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain('reset');
    expect(result.stdout).not.toContain(newPassword);

    const { after, tokens } = await withDb(async (db) => ({ after: await accountIn(db), tokens: await tokenCountIn(db) }));
    expect(await verifyPassword(newPassword, after.password)).toBe(true);
    expect(await verifyPassword(OLD_PASSWORD, after.password)).toBe(false);
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    expect(tokens).toBe(0);
    // The CLI released its lock on the way out.
    expect(fs.existsSync(path.join(dataDir, 'pglite.pid'))).toBe(false);
  });

  it('exits 2 without touching the database while another process holds it', async () => {
    const held = await openEmbedded(dataDir);
    let result: CliResult;
    let before;
    let after;
    try {
      before = await accountIn(held.db);
      result = await runCli(['--email', EMAIL], 'another new password\n');
      after = await accountIn(held.db);
    } finally {
      await held.close();
    }
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/in use/);
    expect(result.stderr).toContain(String(process.pid));
    expect(after.password).toBe(before.password);
    expect(after.sessionVersion).toBe(before.sessionVersion);
  });
});

describe('reset-password CLI (the same command, in-process)', { timeout: 60_000 }, () => {
  it('with --generate, prints a new random password once', async () => {
    const result = await runInProcess(['--email', EMAIL, '--generate']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const generated = /shown once: (\S+)$/.exec(result.stdout.trim())?.[1];
    expect(generated).toBeDefined();
    expect(generated!.length).toBeGreaterThanOrEqual(20);
    expect(await verifyPassword(generated!, (await account()).password)).toBe(true);
    // It closed the database and released the lock (a CLI's getDb() takes it).
    expect(fs.existsSync(path.join(dataDir, 'pglite.pid'))).toBe(false);
  });

  it('refuses a password that is too short and changes nothing', async () => {
    const before = await account();
    const result = await runInProcess(['--email', EMAIL], 'short\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/at least 8 characters/);
    const after = await account();
    expect(after.sessionVersion).toBe(before.sessionVersion);
    expect(after.password).toBe(before.password);
  });

  it('refuses an empty stdin', async () => {
    const result = await runInProcess(['--email', EMAIL], '');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No password on stdin/);
  });

  it('exits 1 for an unknown email', async () => {
    const result = await runInProcess(['--email', 'nobody@example.com'], 'whatever password\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No account with the email nobody@example.com');
  });

  it('exits 1 with the usage when --email is missing', async () => {
    const result = await runInProcess([], 'whatever password\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--email is required/);
    expect(result.stderr).toContain('Usage: npm run reset-password');
  });

  it('exits 1 with the usage for an unknown option', async () => {
    const result = await runInProcess(['--email', EMAIL, '--password', 'in-argv'], '');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Usage: npm run reset-password');
  });

  it('with --help, prints the usage and exits 0', async () => {
    const result = await runInProcess(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm run reset-password/);
    expect(result.stderr).toBe('');
  });
});
