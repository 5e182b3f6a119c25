// Which organizations' configuration changed a moment ago, for short-lived caches of it (the MCP
// gateway reuses a session's resolved tool calls for a second). Every change to an organization's
// agents, tools, connections, servers or secrets records an audit event in its transaction, so
// recordAudit reports it here; a cache keeps an entry only while the generation it read under is
// current. Reported inside the transaction — before its commit — so for a short while after a
// change nothing is cached at all: a read racing the commit could still see the old rows.
// Other instances learn nothing from this: their entries expire within the second.

const UNSETTLED_MS = 2_000;

// On globalThis: Next compiles the route handlers (which record changes) and instrumentation
// (whose gateway fast path caches) as separate module graphs.
const g = globalThis as unknown as { __axsOrgChanges?: Map<string, { generation: number; unsettledUntil: number }> };
const changes = () => (g.__axsOrgChanges ??= new Map());

export function orgChanged(orgId: string | null): void {
  if (!orgId) return;
  const entry = changes().get(orgId);
  changes().set(orgId, { generation: (entry?.generation ?? 0) + 1, unsettledUntil: Date.now() + UNSETTLED_MS });
}

/** A number that changes whenever the organization's configuration does (on this instance). */
export function orgGeneration(orgId: string): number {
  return changes().get(orgId)?.generation ?? 0;
}

/** False for a short while after a change: what is read now may be the state before it. */
export function orgSettled(orgId: string): boolean {
  const entry = changes().get(orgId);
  return !entry || Date.now() >= entry.unsettledUntil;
}
