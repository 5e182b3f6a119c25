// The reset-password command (bin/reset-password.ts is its entry): sets a user's password when
// nobody can sign in to change it. Importable, so its cases can be tested in-process; see the
// entry for usage and exit codes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { closeDb, getDb } from '@/db/client';
import { DataDirLockedError, lockHolder } from '@/db/pid-lock';
import { resetPasswordByEmail } from '@/lib/accounts/service';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@/lib/auth/passwords';
import { env } from '@/lib/env';

const USAGE = 'Usage: npm run reset-password -- --email <address> [--generate]';

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_DB_IN_USE = 2;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILED,
  ) {
    super(message);
  }
}

/** Where the password comes from: process.stdin, or (tests) any stream with the same surface. */
export type PasswordInput = Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** The parsed arguments, or null for --help (the usage is printed, nothing else happens). */
function readArguments(argv: readonly string[]): { email: string; generate: boolean } | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        email: { type: 'string' },
        generate: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  const email = values.email?.trim();
  if (!email) throw new CliError(`--email is required.\n${USAGE}`);
  return { email, generate: values.generate };
}

/** 24 base64url characters: 144 random bits, safe to paste anywhere. */
function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

function checkLength(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new CliError(`The password must have at least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new CliError(`The password must have at most ${PASSWORD_MAX_LENGTH} characters.`);
  }
}

/** The first line of piped stdin, without its line ending (spaces are part of a password). */
async function readFirstLine(stdin: PasswordInput): Promise<string> {
  const lines = readline.createInterface({ input: stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
  } finally {
    lines.close();
  }
  throw new CliError('No password on stdin: pipe it in as the first line, or use --generate.');
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(stdin: PasswordInput, question: string): Promise<string> {
  process.stderr.write(question);
  stdin.setRawMode!(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode!(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003' || char === '\u0004') {
          finish();
          reject(new CliError('Cancelled.'));
          return;
        }
        if (char === '\u007f' || char === '\b') {
          value = Array.from(value).slice(0, -1).join('');
          continue;
        }
        if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(stdin: PasswordInput): Promise<string> {
  if (!stdin.isTTY) return readFirstLine(stdin);
  const password = await promptHidden(stdin, 'New password: ');
  checkLength(password);
  const again = await promptHidden(stdin, 'Repeat it: ');
  if (again !== password) throw new CliError('The passwords do not match.');
  return password;
}

/**
 * PGlite has no cross-process locking: opening its directory while the server runs could corrupt
 * it. getDb() takes the pid lock too; asking first gives the operator a clearer answer.
 */
function assertEmbeddedDatabaseUsable(dataDir: string): void {
  const holder = lockHolder(path.join(dataDir, 'pglite.pid'));
  if (holder !== null) {
    throw new CliError(
      `The embedded database in ${dataDir} is in use by process ${holder} (a running server?). ` +
        'Stop it first, then run this again.',
      EXIT_DB_IN_USE,
    );
  }
  // Opening a missing database would create an empty one, which only hides a wrong DATA_DIR.
  if (!fs.existsSync(path.join(dataDir, 'pglite'))) {
    throw new CliError(`There is no embedded database in ${dataDir}. Is DATA_DIR set as for the server?`);
  }
}

async function main(argv: readonly string[], stdin: PasswordInput): Promise<number> {
  const args = readArguments(argv);
  if (!args) return EXIT_OK;
  const { email, generate } = args;
  const { DATABASE_URL, DATA_DIR } = env();
  if (!DATABASE_URL) assertEmbeddedDatabaseUsable(DATA_DIR);

  const password = generate ? generatePassword() : await readPassword(stdin);
  checkLength(password);

  let found: boolean;
  try {
    found = await resetPasswordByEmail(await getDb(), email, password);
  } catch (error) {
    // The server may have started between the check above and getDb() taking the lock.
    if (error instanceof DataDirLockedError) {
      throw new CliError(`The embedded database is in use by process ${error.pid}. Stop it first.`, EXIT_DB_IN_USE);
    }
    throw error;
  } finally {
    await closeDb();
  }
  if (!found) throw new CliError(`No account with the email ${email}; nothing changed.`);

  const ended = 'every session and API token of the account was ended';
  if (generate) console.log(`Password of ${email} reset (${ended}). New password, shown once: ${password}`);
  else console.log(`Password of ${email} reset; ${ended}.`);
  return EXIT_OK;
}

/**
 * The whole command: arguments as after `--`, the password from `stdin`; prints what the command
 * prints (stdout/stderr through console) and answers its exit code. Never exits the process and
 * never throws: bin/reset-password.ts is the entry that turns the code into the exit status.
 */
export async function runResetPassword(argv: readonly string[], stdin: PasswordInput = process.stdin): Promise<number> {
  try {
    return await main(argv, stdin);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message);
      return error.exitCode;
    }
    console.error('reset-password failed:', error instanceof Error ? error.message : error);
    return EXIT_FAILED;
  }
}
