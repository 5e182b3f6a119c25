// The gateway's live MCP sessions of this process, in one place so that what ends an agent's
// right to be connected — its token revoked, the agent disabled or deleted — closes them at once
// (lib/agents calls endAgentAccess), without importing the MCP server itself. With REDIS_URL the
// other instances are told too (lib/cluster/agent-access.ts) and close theirs.
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { and, gt, inArray, isNull, eq } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { agents, issuedTokens } from '@/db/schema';
import { forgetVerifiedAgentTokens } from '@/lib/auth/agent-jwt';
import { currentStaticCredential } from '@/lib/auth/inbound-credentials';
import { logger } from '@/lib/observability/logger';
import { listenForAgentAccessEnded, publishAgentAccessEnded, type AgentAccessEnded } from '@/lib/cluster/agent-access';
import { listenForOrgChanges } from '@/lib/tenancy/changes';
import { getClusterBus, type ClusterBus } from '@/lib/cluster/bus';
import { SessionCounts, SessionTable } from './session-table';
import type { WebSseServerTransport } from './sse-transport';

export interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** The credential that opened it: revoking that token closes the session. */
  jti: string | null;
  /** A static credential's fingerprint (AgentActor.credential): rotating it closes the session. */
  credential: string | null;
  /** Negotiated at initialize: decides whether batches are allowed (never a later header). */
  protocolVersion: string;
}

const g = globalThis as unknown as { __axsMcpSessions?: SessionTable<LiveSession>; __axsSessionCounts?: SessionCounts };

/** Both transports' sessions count against one set of caps per agent, per organization and overall. */
const sharedCounts = (): SessionCounts => (g.__axsSessionCounts ??= new SessionCounts());

export const mcpSessions = (): SessionTable<LiveSession> => {
  if (!g.__axsMcpSessions) listenToCluster();
  return (g.__axsMcpSessions ??= new SessionTable<LiveSession>({
    // Streamable HTTP clients rarely send DELETE: a reconnecting agent replaces its oldest session.
    evictLeastRecentOfOwner: true,
    counts: sharedCounts(),
    dispose: (s) => s.transport.close(),
  }));
};

/** A legacy HTTP+SSE session: its stream, and the protocol version its client asked for. */
export interface SseSession {
  transport: WebSseServerTransport;
  jti: string | null;
  credential: string | null;
  protocolVersion: string | null;
}

const s = globalThis as unknown as { __axsSseSessions?: SessionTable<SseSession> };

export const sseSessions = (): SessionTable<SseSession> => {
  if (!s.__axsSseSessions) listenToCluster();
  return (s.__axsSseSessions ??= new SessionTable<SseSession>({
    counts: sharedCounts(),
    dispose: (session) => session.transport.close(),
  }));
};

/** Closes every open session of an agent (disabled, deleted) or of one of its tokens (revoked). */
export function closeAgentSessions(agentId: string, jti?: string): number {
  const mine = (e: { ownerKey: string; value: { jti: string | null } }) => e.ownerKey === agentId && (jti === undefined || e.value.jti === jti);
  return (g.__axsMcpSessions?.removeWhere(mine) ?? 0) + (s.__axsSseSessions?.removeWhere(mine) ?? 0);
}

/** On this instance: forget the agent's (or token's) remembered verifications; close its sessions if asked. */
function applyAgentAccessEnded(event: AgentAccessEnded): void {
  forgetVerifiedAgentTokens(event.agentId, event.jti);
  if (event.closeSessions) {
    closeAgentSessions(event.agentId, event.jti);
    return;
  }
  // Changed (say, its BEARER secret or certificate replaced): its sessions are checked now, not at the next round.
  void getDb()
    .then((db) => recheckSessions(db, event.agentId))
    .catch((error: unknown) => logger().warn({ err: error, agent_id: event.agentId }, 'checking the sessions of a changed agent failed; the next round retries'));
}

/**
 * An agent lost access (token revoked, agent disabled or deleted) or changed: acts on this
 * instance at once, then tells the others (REDIS_URL) and resolves once that is sent — a store
 * that does not answer within its deadline is logged, never thrown: the database stays the
 * authority, and the other instances notice at the agent's next request (within a second).
 */
export async function endAgentAccess(event: AgentAccessEnded): Promise<void> {
  applyAgentAccessEnded(event);
  const bus = getClusterBus();
  if (!bus.shared) return;
  listenToCluster(bus);
  await publishAgentAccessEnded(bus, event);
}

const LISTENING = Symbol.for('agentxsuite.gateway.agentAccessListener');

/**
 * Starts applying the other instances' agent access events here (once per bus; a no-op without
 * REDIS_URL). Called when the gateway's session tables are first used; start-up may call it too.
 */
export function listenToCluster(bus: ClusterBus = getClusterBus()): void {
  const flagged = bus as ClusterBus & { [LISTENING]?: true };
  if (!bus.shared || flagged[LISTENING]) return;
  flagged[LISTENING] = true;
  listenForAgentAccessEnded(bus, applyAgentAccessEnded);
  // The gateway's sessions reuse resolved calls: changes elsewhere drop them here too.
  listenForOrgChanges(bus);
}

/**
 * Whether an agent may open one more session in `table`: its own, its organization's and the
 * overall cap, counted over both transports. At its own cap, a table that evicts makes room when
 * it holds one of the agent's sessions (add() decides exactly; this answers before any work).
 */
export function hasRoomFor<T>(table: SessionTable<T>, actor: { agentId: string; orgId: string }): boolean {
  const ownerFull = table.countForOwner(actor.agentId) >= table.maxPerOwner;
  if (ownerFull && !(table.evictLeastRecentOfOwner && table.holdsOneOf(actor.agentId))) return false;
  const freed = ownerFull ? 1 : 0;
  return table.countForOrg(actor.orgId) - freed < table.maxPerOrg && table.countAll() - freed < table.maxTotal;
}

/**
 * Closes and forgets every live session of this process, as a restart does: their ids answer 404
 * afterwards. For tests that restart the gateway within one process (test/helpers/gateway-http.ts).
 */
export function resetGatewaySessions(): void {
  g.__axsMcpSessions?.close();
  g.__axsMcpSessions = undefined;
  s.__axsSseSessions?.close();
  s.__axsSseSessions = undefined;
  g.__axsSessionCounts = undefined;
}

/**
 * Closes the sessions whose credential no longer holds — token revoked or expired, agent disabled
 * or gone, static secret or certificate rotated — however this instance failed to hear of it (a
 * revocation published while its Redis subscriber was down, a token that simply expired under an
 * open stream, a secret changed in the vault). Requests are checked one by one anyway; this ends
 * the open streams. `agentId`: only that agent's sessions. Returns how many sessions it closed.
 */
export async function recheckSessions(db: Db, agentId?: string): Promise<number> {
  const live = [...(g.__axsMcpSessions?.list() ?? []), ...(s.__axsSseSessions?.list() ?? [])].filter((e) => agentId === undefined || e.ownerKey === agentId);
  if (!live.length) return 0;
  const jtis = [...new Set(live.flatMap((e) => (e.value.jti ? [e.value.jti] : [])))];
  const agentIds = [...new Set(live.map((e) => e.ownerKey))];
  const [validTokens, enabledAgents] = await Promise.all([
    jtis.length
      ? db
          .select({ jti: issuedTokens.jti })
          .from(issuedTokens)
          .innerJoin(agents, eq(agents.id, issuedTokens.agentId))
          .where(and(inArray(issuedTokens.jti, jtis), isNull(issuedTokens.revokedAt), gt(issuedTokens.expiresAt, new Date()), eq(agents.enabled, true)))
      : Promise.resolve([]),
    db
      .select({
        id: agents.id,
        organizationId: agents.organizationId,
        enabled: agents.enabled,
        inboundAuthMethod: agents.inboundAuthMethod,
        bearerSecretRef: agents.bearerSecretRef,
        inboundSecretRef: agents.inboundSecretRef,
        mtlsCertRef: agents.mtlsCertRef,
      })
      .from(agents)
      .where(and(inArray(agents.id, agentIds), eq(agents.enabled, true))),
  ]);
  const valid = new Set(validTokens.map((t) => t.jti));
  const enabled = new Map(enabledAgents.map((a) => [a.id, a]));
  // The static credential each agent with such sessions accepts now (read once per agent; one
  // that cannot be read right now is left for the next round, not taken as rotated).
  const staticAgents = [...new Set(live.filter((e) => e.value.jti === null && e.value.credential).map((e) => e.ownerKey))];
  const current = new Map<string, string | null>();
  await Promise.all(
    staticAgents.map(async (id) => {
      const agent = enabled.get(id);
      try {
        current.set(id, agent ? await currentStaticCredential(db, agent) : null);
      } catch (error) {
        logger().warn({ err: error, agent_id: id }, 'could not read an agent credential to check its open MCP sessions');
      }
    }),
  );
  const stale = (e: { ownerKey: string; value: { jti: string | null; credential: string | null } }) =>
    !enabled.has(e.ownerKey) ||
    (e.value.jti !== null && !valid.has(e.value.jti)) ||
    (e.value.jti === null && e.value.credential !== null && current.has(e.ownerKey) && current.get(e.ownerKey) !== e.value.credential);
  // Only the sessions read above: one opened meanwhile was checked by its own request.
  const checked = new Set(live.map((e) => e.id));
  const closing = (e: { id: string; ownerKey: string; value: { jti: string | null; credential: string | null } }) => checked.has(e.id) && stale(e);
  const closed = (g.__axsMcpSessions?.removeWhere(closing) ?? 0) + (s.__axsSseSessions?.removeWhere(closing) ?? 0);
  if (closed) logger().info({ closed }, 'closed MCP sessions whose credential no longer holds');
  return closed;
}

const RECHECK = Symbol.for('agentxsuite.gateway.sessionRecheck');
const RECHECK_EVERY_MS = 60_000;

/** Runs recheckSessions every minute in this process (start-up calls it; once per process). */
export function startSessionRecheck(): void {
  const holder = globalThis as unknown as { [RECHECK]?: NodeJS.Timeout };
  if (holder[RECHECK]) return;
  holder[RECHECK] = setInterval(() => {
    void getDb()
      .then((db) => recheckSessions(db))
      .catch((error: unknown) => logger().warn({ err: error }, 'checking open MCP sessions failed; the next round retries'));
  }, RECHECK_EVERY_MS);
  holder[RECHECK].unref();
}
