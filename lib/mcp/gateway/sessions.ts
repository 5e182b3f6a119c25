// The gateway's live MCP sessions of this process, in one place so that what ends an agent's
// right to be connected — its token revoked, the agent disabled or deleted — closes them at once
// (lib/agents calls endAgentAccess), without importing the MCP server itself. With REDIS_URL the
// other instances are told too (lib/cluster/agent-access.ts) and close theirs.
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { forgetVerifiedAgentTokens } from '@/lib/auth/agent-jwt';
import { listenForAgentAccessEnded, publishAgentAccessEnded, type AgentAccessEnded } from '@/lib/cluster/agent-access';
import { getClusterBus, type ClusterBus } from '@/lib/cluster/bus';
import { SessionTable } from './session-table';
import type { WebSseServerTransport } from './sse-transport';

export interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** The credential that opened it: revoking that token closes the session. */
  jti: string | null;
}

const g = globalThis as unknown as { __axsMcpSessions?: SessionTable<LiveSession> };

export const mcpSessions = (): SessionTable<LiveSession> => {
  if (!g.__axsMcpSessions) listenToCluster();
  return (g.__axsMcpSessions ??= new SessionTable<LiveSession>({
    // Streamable HTTP clients rarely send DELETE: a reconnecting agent replaces its oldest session.
    evictLeastRecentOfOwner: true,
    dispose: (s) => s.transport.close(),
  }));
};

/** A legacy HTTP+SSE session: its stream, and the protocol version its client asked for. */
export interface SseSession {
  transport: WebSseServerTransport;
  jti: string | null;
  protocolVersion: string | null;
}

const s = globalThis as unknown as { __axsSseSessions?: SessionTable<SseSession> };

export const sseSessions = (): SessionTable<SseSession> => {
  if (!s.__axsSseSessions) listenToCluster();
  return (s.__axsSseSessions ??= new SessionTable<SseSession>({
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
  if (event.closeSessions) closeAgentSessions(event.agentId, event.jti);
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
}

/** Whether an agent may open one more session in `table` (its own, its organization's and the overall cap). */
export function hasRoomFor<T>(table: SessionTable<T>, actor: { agentId: string; orgId: string }): boolean {
  const ownerFull = table.countForOwner(actor.agentId) >= table.maxPerOwner;
  if (ownerFull && !table.evictLeastRecentOfOwner) return false;
  const freed = ownerFull ? 1 : 0;
  return table.countForOrg(actor.orgId) - freed < table.maxPerOrg && table.size - freed < table.maxTotal;
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
}
