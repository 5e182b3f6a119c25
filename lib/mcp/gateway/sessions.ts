// The gateway's live MCP sessions of this process, in one place so that what ends an agent's
// right to be connected — its token revoked, the agent disabled or deleted — closes them at once
// (lib/agents calls closeAgentSessions), without importing the MCP server itself.
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { SessionTable } from './session-table';
import type { WebSseServerTransport } from './sse-transport';

export interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** The credential that opened it: revoking that token closes the session. */
  jti: string | null;
}

const g = globalThis as unknown as { __axsMcpSessions?: SessionTable<LiveSession> };

export const mcpSessions = (): SessionTable<LiveSession> =>
  (g.__axsMcpSessions ??= new SessionTable<LiveSession>({
    // Streamable HTTP clients rarely send DELETE: a reconnecting agent replaces its oldest session.
    evictLeastRecentOfOwner: true,
    dispose: (s) => s.transport.close(),
  }));

/** A legacy HTTP+SSE session: its stream, and the protocol version its client asked for. */
export interface SseSession {
  transport: WebSseServerTransport;
  jti: string | null;
  protocolVersion: string | null;
}

const s = globalThis as unknown as { __axsSseSessions?: SessionTable<SseSession> };

export const sseSessions = (): SessionTable<SseSession> =>
  (s.__axsSseSessions ??= new SessionTable<SseSession>({
    dispose: (session) => session.transport.close(),
  }));

/** Closes every open session of an agent (disabled, deleted) or of one of its tokens (revoked). */
export function closeAgentSessions(agentId: string, jti?: string): number {
  const mine = (e: { ownerKey: string; value: { jti: string | null } }) => e.ownerKey === agentId && (jti === undefined || e.value.jti === jti);
  return (g.__axsMcpSessions?.removeWhere(mine) ?? 0) + (s.__axsSseSessions?.removeWhere(mine) ?? 0);
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
