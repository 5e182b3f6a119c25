// Which organizations' configuration changed a moment ago, for short-lived caches of it (the MCP
// gateway reuses a session's resolved tool calls for a second). Every change to an organization's
// agents, tools, connections, servers or secrets records an audit event in its transaction, so
// recordAudit reports it here; a cache keeps an entry only while the generation it read under is
// current. Reported inside the transaction — before its commit — so for a while after a change
// nothing is cached at all: a read racing the commit could still see the old rows.
// With REDIS_URL the other instances hear of it too (at most once, like every bus message: one
// that missed it still drops its entries within the second they live).
import { getClusterBus, type BusSubscription, type ClusterBus } from '@/lib/cluster/bus';
import { logger } from '@/lib/observability/logger';
import { isUuid } from '@/lib/tenancy/access';

const UNSETTLED_MS = 2_000;
export const ORG_CHANGES_CHANNEL = 'axs:cluster:org-changed';

// On globalThis: Next compiles the route handlers (which record changes) and instrumentation
// (whose gateway fast path caches) as separate module graphs.
const g = globalThis as unknown as { __axsOrgChanges?: Map<string, { generation: number; unsettledUntil: number }> };
const changes = () => (g.__axsOrgChanges ??= new Map());

function changedHere(orgId: string): void {
  const entry = changes().get(orgId);
  changes().set(orgId, { generation: (entry?.generation ?? 0) + 1, unsettledUntil: Date.now() + UNSETTLED_MS });
}

/** The organization's configuration is changing: on this instance at once, then on the others. */
export function orgChanged(orgId: string | null): void {
  if (!orgId) return;
  changedHere(orgId);
  const bus = getClusterBus();
  if (!bus.shared) return;
  listenForOrgChanges(bus);
  bus.publish(ORG_CHANGES_CHANNEL, { from: bus.instanceId, orgId }).catch((error: unknown) => {
    logger().warn({ organization_id: orgId, err: { message: (error as Error)?.message } }, 'could not tell the other instances of a change; their caches expire within a second');
  });
}

/** A number that changes whenever the organization's configuration does. */
export function orgGeneration(orgId: string): number {
  return changes().get(orgId)?.generation ?? 0;
}

/** False for a short while after a change: what is read now may be the state before it. */
export function orgSettled(orgId: string): boolean {
  const entry = changes().get(orgId);
  return !entry || Date.now() >= entry.unsettledUntil;
}

const LISTENING = Symbol.for('agentxsuite.tenancy.orgChangesListener');

/** Applies the other instances' changes here (once per bus; `apply` for tests). */
export function listenForOrgChanges(bus: ClusterBus = getClusterBus(), apply: (orgId: string) => void = changedHere): BusSubscription | null {
  const flagged = bus as ClusterBus & { [LISTENING]?: true };
  if (!bus.shared || (flagged[LISTENING] && apply === changedHere)) return null;
  if (apply === changedHere) flagged[LISTENING] = true;
  return bus.subscribe(ORG_CHANGES_CHANNEL, (message) => {
    if (message.from === bus.instanceId) return;
    if (typeof message.orgId !== 'string' || !isUuid(message.orgId)) {
      logger().warn({ cluster_channel: ORG_CHANGES_CHANNEL }, 'organization change event ignored: malformed');
      return;
    }
    apply(message.orgId);
  });
}
