// Keys the platform generates into DATA_DIR on first start and reuses afterwards, so a fresh
// install needs no env file. A setting always wins over the generated file, which is how several
// instances share one key (ARCHITECTURE.md, "Growing past one machine").
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { env } from '@/lib/env';

/** Reads DATA_DIR/keys/<name>, creating it with `generate()` (mode 0600) when absent. */
export function generatedKey(name: string, generate: () => string): string {
  const dir = path.join(env().DATA_DIR, 'keys');
  const file = path.join(dir, name);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, generate(), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process (or a concurrent request) wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fs.readFileSync(file, 'utf8').trim();
}

let authSecret: string | undefined;

/** The Auth.js secret: AUTH_SECRET, else a random one kept in DATA_DIR. */
export function getAuthSecret(): string {
  authSecret ??= env().AUTH_SECRET ?? generatedKey('auth-secret', () => randomBytes(32).toString('base64url'));
  return authSecret;
}
