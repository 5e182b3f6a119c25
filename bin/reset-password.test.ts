// The reset-password CLI run as operators run it: a child process on an embedded database in
// DATA_DIR, the password piped on stdin.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, type Db } from '@/db/client';
import { apiTokens, users } from '@/db/schema';
import { generateUserToken } from '@/lib/auth/api-tokens';
import { hashPassword, verifyPassword } from '@/lib/auth/passwords';

const ROOT = path.resolve(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const EMAIL = 'ada@example.com';
const OLD_PASSWORD = 'the old password';

let dataDir: string;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], stdin = ''): Promise<CliResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  delete childEnv.DATABASE_URL;
  const child = spawn(TSX, ['bin/reset-password.ts', ...args], { cwd: ROOT, env: childEnv });
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

/** Opens the CLI's database from this process (taking its lock) for the length of `fn`. */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const handle = await openEmbedded(dataDir);
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

const account = () => withDb(async (db) => (await db.select().from(users).where(eq(users.email, EMAIL)))[0]!);
const tokenCount = () => withDb(async (db) => (await db.select().from(apiTokens)).length);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-reset-password-'));
  await withDb(async (db) => {
    const [user] = await db
      .insert(users)
      .values({ email: EMAIL, password: await hashPassword(OLD_PASSWORD) })
      .returning();
    const { hash, prefix } = generateUserToken();
    await db.insert(apiTokens).values({ userId: user!.id, tokenHash: hash, prefix, expiresAt: new Date(Date.now() + 3600_000) });
  });
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// Each case starts a process that opens PGlite and runs migrations: seconds, not milliseconds.
describe('reset-password CLI', { timeout: 60_000 }, () => {
  it('sets the password from the first line of stdin and ends sessions and tokens', async () => {
    const before = await account();
    expect(await tokenCount()).toBe(1);
    const newPassword = 'a brand new password';

    const result = await runCli(['--email', 'ADA@example.com'], `${newPassword}\nignored second line\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain('reset');
    expect(result.stdout).not.toContain(newPassword);

    const after = await account();
    expect(await verifyPassword(newPassword, after.password)).toBe(true);
    expect(await verifyPassword(OLD_PASSWORD, after.password)).toBe(false);
    expect(after.sessionVersion).toBe(before.sessionVersion + 1);
    expect(await tokenCount()).toBe(0);
    // The CLI released its lock on the way out.
    expect(fs.existsSync(path.join(dataDir, 'pglite.pid'))).toBe(false);
  });

  it('with --generate, prints a new random password once', async () => {
    const result = await runCli(['--email', EMAIL, '--generate']);
    expect(result.code).toBe(0);
    const generated = /shown once: (\S+)$/.exec(result.stdout.trim())?.[1];
    expect(generated).toBeDefined();
    expect(generated!.length).toBeGreaterThanOrEqual(20);
    expect(await verifyPassword(generated!, (await account()).password)).toBe(true);
  });

  it('refuses a password that is too short and changes nothing', async () => {
    const before = await account();
    const result = await runCli(['--email', EMAIL], 'short\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/at least 8 characters/);
    expect((await account()).sessionVersion).toBe(before.sessionVersion);
  });

  it('refuses an empty stdin', async () => {
    const result = await runCli(['--email', EMAIL], '');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No password on stdin/);
  });

  it('exits 1 for an unknown email', async () => {
    const result = await runCli(['--email', 'nobody@example.com'], 'whatever password\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No account with the email nobody@example.com');
  });

  it('exits 1 with the usage when --email is missing', async () => {
    const result = await runCli([], 'whatever password\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--email is required/);
  });

  it('exits 2 without touching the database while another process holds it', async () => {
    const before = await account();
    const held = await openEmbedded(dataDir);
    let result: CliResult;
    try {
      result = await runCli(['--email', EMAIL], 'another new password\n');
    } finally {
      await held.close();
    }
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/in use/);
    expect(result.stderr).toContain(String(process.pid));
    const after = await account();
    expect(after.password).toBe(before.password);
    expect(after.sessionVersion).toBe(before.sessionVersion);
  });
});

