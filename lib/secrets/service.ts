// The secret store: values are Fernet-encrypted under the key ring's newest data key, referenced by
// `secret_ref` (the row id), resolved only inside the owning organization and decrypted only at
// the moment of use — nothing here keeps a plaintext. Values never reach a response, an audit
// event or a log line: events and logs carry names and refs only.
import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, ne, notExists, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { secretKeys, secrets, type Secret } from '@/db/schema';
import { AppError, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { recordAudit } from '@/lib/audit/record';
import type { UserCtx } from '@/lib/auth/context';
import { requireInstanceAdmin } from '@/lib/auth/instance-admin';
import { logger } from '@/lib/observability/logger';
import { isUuid, type OrgCtx } from '@/lib/tenancy/access';
import { decrypt, encrypt, InvalidToken, type FernetKey } from './fernet';
import { activeDataKey, createDataKey, dataKeyById, isKeyLive, openDataKey } from './key-ring';
import type { StoreSecretInput } from './schemas';

export interface PublicSecret {
  secret_ref: string;
  name: string | null;
  key_id: string;
  created_by_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface StoredSecret {
  secret_ref: string;
  name: string | null;
  created_at: string;
}

export const toPublicSecret = (s: Omit<Secret, 'ciphertext' | 'organizationId'>): PublicSecret => ({
  secret_ref: s.id,
  name: s.name,
  key_id: s.keyId,
  created_by_id: s.createdById,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

/** Every column but the ciphertext: metadata queries never load it. */
const metadata = {
  id: secrets.id,
  name: secrets.name,
  keyId: secrets.keyId,
  createdById: secrets.createdById,
  createdAt: secrets.createdAt,
  updatedAt: secrets.updatedAt,
};

const isForeignKeyViolation = (error: unknown): boolean => {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === '23503') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
};

/** Encrypts and stores a value; answers with its ref. */
export async function storeSecret(ctx: OrgCtx, input: StoreSecretInput): Promise<StoredSecret> {
  const attempt = () =>
    ctx.db.transaction(async (tx) => {
      const key = await activeDataKey(tx);
      const [row] = await tx
        .insert(secrets)
        .values({
          organizationId: ctx.orgId,
          name: input.name ?? null,
          ciphertext: encrypt(key.fernet, input.value),
          keyId: key.id,
          createdById: ctx.actor.userId,
        })
        .returning({ id: secrets.id, name: secrets.name, createdAt: secrets.createdAt });
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'secret.store',
        eventType: 'secret_stored',
        target: `secret:${row!.id}`,
        data: { name: row!.name, key_id: key.id },
      });
      return row!;
    });
  let row;
  try {
    row = await attempt();
  } catch (error) {
    // The key we read was deleted by a rotation between our read and our insert: once more.
    if (!isForeignKeyViolation(error)) throw error;
    row = await attempt();
  }
  return { secret_ref: row.id, name: row.name, created_at: row.createdAt.toISOString() };
}

export async function listSecrets(ctx: OrgCtx, page: PageRequest): Promise<{ total: number; results: PublicSecret[] }> {
  const inOrg = eq(secrets.organizationId, ctx.orgId);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(secrets).where(inOrg);
  const rows = await ctx.db
    .select(metadata)
    .from(secrets)
    .where(inOrg)
    .orderBy(desc(secrets.createdAt), desc(secrets.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicSecret) };
}

/** A secret's metadata in the caller's organization, or 404 (also for another org's ref). */
export async function getSecretOrThrow(ctx: Pick<OrgCtx, 'db' | 'orgId'>, ref: string): Promise<PublicSecret> {
  if (!isUuid(ref)) throw notFound('Secret');
  const [row] = await ctx.db
    .select(metadata)
    .from(secrets)
    .where(and(eq(secrets.id, ref), eq(secrets.organizationId, ctx.orgId)));
  if (!row) throw notFound('Secret');
  return toPublicSecret(row);
}

export async function deleteSecret(ctx: OrgCtx, ref: string): Promise<PublicSecret> {
  const secret = await getSecretOrThrow(ctx, ref);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(secrets).where(and(eq(secrets.id, secret.secret_ref), eq(secrets.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'secret.delete',
      eventType: 'secret_deleted',
      target: `secret:${secret.secret_ref}`,
      data: { name: secret.name },
    });
  });
  return secret;
}

/**
 * The plaintext of a secret of `ctx.orgId`, decrypted now and kept nowhere: call it at the moment
 * of use and let the value go out of scope. A ref of another organization is 404, exactly like an
 * unknown one. The row and its wrapped key are read in one statement, so a rotation running at the
 * same time never leaves a reader with a ciphertext whose key it cannot find.
 */
export async function resolveSecret(ctx: { db: Db; orgId: string }, ref: string): Promise<string> {
  if (!isUuid(ref)) throw notFound('Secret');
  const [row] = await ctx.db
    .select({ ciphertext: secrets.ciphertext, keyId: secretKeys.id, wrappedKey: secretKeys.wrappedKey, kekId: secretKeys.kekId })
    .from(secrets)
    .innerJoin(secretKeys, eq(secretKeys.id, secrets.keyId))
    .where(and(eq(secrets.id, ref), eq(secrets.organizationId, ctx.orgId)));
  if (!row) throw notFound('Secret');
  return decryptSecretRow(ref, row);
}

/** The columns a caller selects (joined to secret_keys) to decrypt a secret without another query. */
export interface SecretRow {
  ciphertext: string;
  keyId: string;
  wrappedKey: string;
  kekId: string;
}

/** Decrypts a secret row read by the caller's own query (the execute pipeline reads it with the call's other rows). */
export async function decryptSecretRow(ref: string, row: SecretRow): Promise<string> {
  const key = await openDataKey({ id: row.keyId, wrappedKey: row.wrappedKey, kekId: row.kekId });
  try {
    return decrypt(key, row.ciphertext).toString('utf8');
  } catch (error) {
    if (error instanceof InvalidToken) {
      // Logged for the operator with the ref only; the caller gets a masked 500.
      throw new Error(`Secret ${ref} does not decrypt with its key ${row.keyId} (${error.reason})`);
    }
    throw error;
  }
}

// ---- key rotation ---------------------------------------------------------------------------

export interface RotationResult {
  /** Secrets re-encrypted under the new key. */
  rotated: number;
  /** The new key. */
  key_id: string;
  /** Keys this rotation retired. */
  retired_keys: number;
  /** Retired keys no secret names any more, deleted. */
  deleted_keys: number;
  /** Secrets that did not decrypt (left as they were, with their key kept; see the log). */
  failed: number;
}

export interface RotationOptions {
  /** Secrets per transaction. */
  batchSize?: number;
  /** Called between batches (tests interleave reads here). */
  afterBatch?: (progress: { rotated: number }) => Promise<void> | void;
}

const rotation = globalThis as unknown as { __axsSecretRotation?: boolean };

/**
 * Instance administrators: a new data key, every stored secret re-encrypted under it, the older
 * keys retired and deleted once nothing names them. Secrets stay readable throughout: each batch
 * moves rows from an old key to the new one in its own transaction, and an old key is deleted
 * only when no row names it any more.
 */
export async function rotateKeys(ctx: UserCtx, options: RotationOptions = {}): Promise<RotationResult> {
  requireInstanceAdmin(ctx);
  if (rotation.__axsSecretRotation) throw new AppError('conflict', 'A key rotation is already running');
  rotation.__axsSecretRotation = true;
  try {
    return await rotate(ctx, options.batchSize ?? 100, options.afterBatch);
  } finally {
    rotation.__axsSecretRotation = false;
  }
}

async function rotate(ctx: UserCtx, batchSize: number, afterBatch: RotationOptions['afterBatch']): Promise<RotationResult> {
  const fresh = await createDataKey(ctx.db);
  const opened = new Map<string, FernetKey>([[fresh.id, fresh.fernet]]); // for this run only
  const failed = new Set<string>();
  let rotated = 0;

  /** Moves every secret not under the new key onto it, batch by batch (keyset by id). */
  const sweep = async () => {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const moved = await ctx.db.transaction(async (tx) => {
        // A newer rotation elsewhere retired our key: it moves these rows itself.
        if (!(await isKeyLive(tx, fresh.id))) {
          throw new AppError('conflict', 'Another key rotation superseded this one; its key is now current');
        }
        const rows = await tx
          .select({ id: secrets.id, ciphertext: secrets.ciphertext, keyId: secrets.keyId })
          .from(secrets)
          .where(and(ne(secrets.keyId, fresh.id), gt(secrets.id, after)))
          .orderBy(asc(secrets.id))
          .limit(batchSize);
        let n = 0;
        for (const row of rows) {
          let plain: Buffer;
          try {
            let old = opened.get(row.keyId);
            if (!old) opened.set(row.keyId, (old = await dataKeyById(tx, row.keyId)));
            plain = decrypt(old, row.ciphertext);
          } catch (error) {
            if (!(error instanceof InvalidToken)) throw error;
            if (!failed.has(row.id)) logger().error({ secret_ref: row.id, key_id: row.keyId }, 'secret does not decrypt; left under its key');
            failed.add(row.id);
            continue;
          }
          const updated = await tx
            .update(secrets)
            .set({ ciphertext: encrypt(fresh.fernet, plain), keyId: fresh.id })
            // Only the version we read: a row deleted meanwhile is simply not there any more.
            .where(and(eq(secrets.id, row.id), eq(secrets.keyId, row.keyId), eq(secrets.ciphertext, row.ciphertext)))
            .returning({ id: secrets.id });
          plain.fill(0);
          n += updated.length;
        }
        return { n, last: rows.at(-1)?.id, full: rows.length === batchSize };
      });
      rotated += moved.n;
      if (moved.last) after = moved.last;
      if (moved.n > 0) await afterBatch?.({ rotated });
      if (!moved.full) return;
    }
  };

  await sweep();
  // Retire the keys older than ours. The update waits for every transaction still encrypting with
  // one of them (they hold it FOR SHARE), so the second sweep sees what they wrote.
  const retired = await ctx.db
    .update(secretKeys)
    .set({ retiredAt: new Date() })
    .where(
      and(
        isNull(secretKeys.retiredAt),
        ne(secretKeys.id, fresh.id),
        // Older than ours, compared in SQL (created_at has microseconds, a JS Date only milliseconds).
        sql`(${secretKeys.createdAt}, ${secretKeys.id}) < (select k.created_at, k.id from secret_keys k where k.id = ${fresh.id})`,
      ),
    )
    .returning({ id: secretKeys.id });
  await sweep();

  return ctx.db.transaction(async (tx) => {
    let deleted: { id: string }[] = [];
    try {
      deleted = await tx.transaction((inner) =>
        inner
          .delete(secretKeys)
          .where(and(isNotNull(secretKeys.retiredAt), notExists(inner.select({ one: sql`1` }).from(secrets).where(eq(secrets.keyId, secretKeys.id)))))
          .returning({ id: secretKeys.id }),
      );
    } catch (error) {
      // A racing write still names one of them: it stays until the next rotation.
      if (!isForeignKeyViolation(error)) throw error;
    }
    const result: RotationResult = {
      rotated,
      key_id: fresh.id,
      retired_keys: retired.length,
      deleted_keys: deleted.length,
      failed: failed.size,
    };
    await recordAudit(tx, ctx, {
      organizationId: null,
      action: 'secret_key.rotate',
      eventType: 'secret_keys_rotated',
      target: `secret_key:${fresh.id}`,
      data: { ...result, retired_key_ids: retired.map((k) => k.id), deleted_key_ids: deleted.map((k) => k.id) },
    });
    logger().info({ request_id: ctx.requestId, ...result }, 'secret keys rotated');
    return result;
  });
}

/** How many secrets each key of the ring encrypts (for the console and tests). */
export async function secretsPerKey(db: Db, keyIds?: string[]): Promise<Record<string, number>> {
  const rows = await db
    .select({ keyId: secrets.keyId, n: count() })
    .from(secrets)
    .where(keyIds ? inArray(secrets.keyId, keyIds) : undefined)
    .groupBy(secrets.keyId);
  return Object.fromEntries(rows.map((r) => [r.keyId, r.n]));
}
