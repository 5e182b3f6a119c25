// The secret-store key ring: Fernet data keys (DEKs) in `secret_keys`, each stored wrapped by the
// KMS provider's KEK (lib/secrets/kms.ts). The newest key that is not retired encrypts; any key
// still in the table decrypts (a secret names its key in secrets.key_id). DEKs are unwrapped when
// they are needed and not kept: one AES-GCM unwrap per use is microseconds with the local and
// settings providers (a remote KMS provider would add its own short-lived cache).
import { randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { secretKeys, type SecretKey } from '@/db/schema';
import { parseFernetKey, type FernetKey } from './fernet';
import { KeyUnwrapError, kmsProvider } from './kms';

export interface OpenKey {
  id: string;
  fernet: FernetKey;
}

type WrappedKeyRow = Pick<SecretKey, 'id' | 'wrappedKey' | 'kekId'>;

/** Unwraps a DEK with the configured provider; a key wrapped under another KEK is named, not misread. */
export async function openDataKey(row: WrappedKeyRow): Promise<FernetKey> {
  const kms = kmsProvider();
  if (row.kekId !== kms.kekId) {
    throw new KeyUnwrapError(
      `Secret-store key ${row.id} is wrapped under KEK ${row.kekId}, but this instance's KEK is ${kms.kekId} ` +
        `(provider ${kms.id}). Every instance must use the same KEK (set SECRETS_KEK), and a lost KEK cannot be replaced.`,
    );
  }
  const raw = await kms.unwrap(row.wrappedKey);
  try {
    return parseFernetKey(raw);
  } finally {
    raw.fill(0);
  }
}

/** Generates a DEK, stores it wrapped, and returns it open (so its creator need not unwrap it). */
export async function createDataKey(db: Db): Promise<OpenKey & { createdAt: Date }> {
  const kms = kmsProvider();
  const raw = randomBytes(32);
  try {
    const [row] = await db
      .insert(secretKeys)
      .values({ id: randomUUID(), wrappedKey: await kms.wrap(raw), provider: kms.id, kekId: kms.kekId })
      .returning({ id: secretKeys.id, createdAt: secretKeys.createdAt });
    return { id: row!.id, createdAt: row!.createdAt, fernet: parseFernetKey(raw) };
  } finally {
    raw.fill(0);
  }
}

/**
 * The key new secrets are encrypted with, locked FOR SHARE until the caller's transaction ends:
 * a rotation retires a key only after every transaction encrypting with it has committed, so its
 * final sweep sees their rows. Creates the first key of a fresh install. Call inside a transaction.
 */
export async function activeDataKey(tx: Db): Promise<OpenKey> {
  // An empty answer can be transient: a concurrent rotation retired the row we queued behind.
  for (let attempt = 0; attempt < 3; attempt++) {
    const [row] = await tx
      .select({ id: secretKeys.id, wrappedKey: secretKeys.wrappedKey, kekId: secretKeys.kekId })
      .from(secretKeys)
      .where(isNull(secretKeys.retiredAt))
      .orderBy(desc(secretKeys.createdAt), desc(secretKeys.id))
      .limit(1)
      .for('share');
    if (row) return { id: row.id, fernet: await openDataKey(row) };
  }
  const created = await createDataKey(tx);
  return { id: created.id, fernet: created.fernet };
}

/** Any key of the ring by id (retired ones included), open. */
export async function dataKeyById(db: Db, id: string): Promise<FernetKey> {
  const [row] = await db
    .select({ id: secretKeys.id, wrappedKey: secretKeys.wrappedKey, kekId: secretKeys.kekId })
    .from(secretKeys)
    .where(eq(secretKeys.id, id));
  if (!row) throw new KeyUnwrapError(`Secret-store key ${id} does not exist`);
  return openDataKey(row);
}

export interface KeyInfo {
  id: string;
  provider: string;
  kek_id: string;
  created_at: string;
  retired_at: string | null;
  active: boolean;
}

/** The ring's metadata (never key material), newest first. */
export async function listDataKeys(db: Db): Promise<KeyInfo[]> {
  const rows = await db
    .select({ id: secretKeys.id, provider: secretKeys.provider, kekId: secretKeys.kekId, createdAt: secretKeys.createdAt, retiredAt: secretKeys.retiredAt })
    .from(secretKeys)
    .orderBy(desc(secretKeys.createdAt), desc(secretKeys.id));
  const activeId = rows.find((r) => !r.retiredAt)?.id;
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    kek_id: r.kekId,
    created_at: r.createdAt.toISOString(),
    retired_at: r.retiredAt?.toISOString() ?? null,
    active: r.id === activeId,
  }));
}

/** Whether `id` is still a key new secrets may be written with (used by rotation batches). */
export async function isKeyLive(tx: Db, id: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: secretKeys.id })
    .from(secretKeys)
    .where(and(eq(secretKeys.id, id), isNull(secretKeys.retiredAt)))
    .for('share');
  return Boolean(row);
}
