// Compiled policies per organization, shared by every request of this instance. Policies are
// loaded and compiled once per change — never per request: each write bumps the organization's
// row in policy_revisions inside its own transaction, and a reader compares that number at most
// once per CHECK_INTERVAL_MS. So a change made on this instance applies to the next request here
// (the write also drops the local entry), and one made on another instance within a second.
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { policies, policyBindings, policyRevisions, policyRules } from '@/db/schema';
import { logger } from '@/lib/observability/logger';
import { compilePolicies, type CompiledPolicies } from './engine';
import type { PolicySource } from './types';

export const CHECK_INTERVAL_MS = 1000;

interface Entry {
  revision: number;
  compiled: CompiledPolicies;
  checkedAt: number;
}

interface Cache {
  entries: Map<string, Entry>;
  /** Bumped by every local invalidation; a load that started before one is not kept. */
  generations: Map<string, number>;
  /** One refresh per organization at a time; concurrent readers share it. */
  loading: Map<string, Promise<CompiledPolicies>>;
}

// On globalThis so `next dev` hot reloads keep one cache (like the database handle).
const g = globalThis as unknown as { __axsPolicyCache?: Cache };
const cache: Cache = (g.__axsPolicyCache ??= { entries: new Map(), generations: new Map(), loading: new Map() });

/** Called inside every transaction that changes a policy, rule or binding of the organization. */
export async function bumpPolicyRevision(tx: Db, orgId: string): Promise<void> {
  await tx
    .insert(policyRevisions)
    .values({ organizationId: orgId, revision: 1 })
    .onConflictDoUpdate({
      target: policyRevisions.organizationId,
      set: { revision: sql`${policyRevisions.revision} + 1`, updatedAt: new Date() },
    });
}

/** After a committed change on this instance: the next read reloads at once. */
export function invalidatePolicies(orgId: string): void {
  cache.entries.delete(orgId);
  cache.loading.delete(orgId);
  cache.generations.set(orgId, (cache.generations.get(orgId) ?? 0) + 1);
}

async function readRevision(db: Db, orgId: string): Promise<number> {
  const [row] = await db.select({ revision: policyRevisions.revision }).from(policyRevisions).where(eq(policyRevisions.organizationId, orgId));
  return row?.revision ?? 0;
}

/** Every policy of the organization with its rules and bindings, as the engine takes them. */
export async function loadPolicySources(db: Db, orgId: string): Promise<PolicySource[]> {
  const rows = await db.select().from(policies).where(eq(policies.organizationId, orgId));
  if (!rows.length) return [];
  const ids = rows.map((p) => p.id);
  const [rules, bindings] = await Promise.all([
    db.select().from(policyRules).where(inArray(policyRules.policyId, ids)),
    db.select().from(policyBindings).where(inArray(policyBindings.policyId, ids)),
  ]);
  const byPolicy = new Map<string, PolicySource>(
    rows.map((p) => [
      p.id,
      {
        id: p.id,
        organizationId: p.organizationId,
        environmentId: p.environmentId,
        name: p.name,
        version: p.version,
        isActive: p.isActive,
        rulesJson: p.rulesJson ?? {},
        rules: [],
        bindings: [],
      },
    ]),
  );
  for (const r of rules) {
    byPolicy.get(r.policyId)?.rules.push({ id: r.id, action: r.action, target: r.target, effect: r.effect, conditions: r.conditions ?? {} });
  }
  for (const b of bindings) {
    byPolicy.get(b.policyId)?.bindings.push({ id: b.id, scopeType: b.scopeType, scopeId: b.scopeId, priority: b.priority });
  }
  return [...byPolicy.values()];
}

async function refresh(db: Db, orgId: string, previous: Entry | undefined): Promise<CompiledPolicies> {
  const generation = cache.generations.get(orgId) ?? 0;
  // Revision first, then the rows: a change committed in between leaves us holding newer rows
  // under the older number, which the next check corrects — never the other way round.
  const revision = await readRevision(db, orgId);
  if (previous && previous.revision === revision) {
    previous.checkedAt = Date.now();
    return previous.compiled;
  }
  const compiled = compilePolicies(await loadPolicySources(db, orgId));
  // Stored data the engine could not use as written: it failed closed on each; operators should know.
  if (compiled.problems.length) logger().warn({ org_id: orgId, problems: compiled.problems.slice(0, 20) }, 'policies compiled with problems');
  if ((cache.generations.get(orgId) ?? 0) === generation) {
    cache.entries.set(orgId, { revision, compiled, checkedAt: Date.now() });
  }
  return compiled;
}

/** The organization's compiled policies: from memory, checked against the database at most once a second. */
export async function compiledPoliciesFor(db: Db, orgId: string): Promise<CompiledPolicies> {
  const entry = cache.entries.get(orgId);
  if (entry && Date.now() - entry.checkedAt < CHECK_INTERVAL_MS) return entry.compiled;
  let pending = cache.loading.get(orgId);
  if (!pending) {
    pending = refresh(db, orgId, entry).finally(() => {
      if (cache.loading.get(orgId) === pending) cache.loading.delete(orgId);
    });
    cache.loading.set(orgId, pending);
  }
  return pending;
}
