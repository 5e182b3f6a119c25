// The gateway's live MCP sessions of this process, in one place so that what ends an agent's
// right to be connected — its token revoked, the agent disabled or deleted — closes them at once
// (lib/agents calls closeAgentSessions), without importing the MCP server itself.
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { SessionTable } from './session-table';

export interface LiveSession {
  transport: WebStandardStreamableHTTPServerTransport;
  /** The credential that opened it: revoking that token closes the session. */
  jti: string | null;
}

const g = globalThis as unknown as { __axsMcpSessions?: SessionTable<LiveSession> };

export const mcpSessions = (): SessionTable<LiveSession> =>
  (g.__axsMcpSessions ??= new SessionTable<LiveSession>({
    dispose: (s) => s.transport.close(),
  }));

/** Closes every open session of an agent (disabled, deleted) or of one of its tokens (revoked). */
export function closeAgentSessions(agentId: string, jti?: string): number {
  return g.__axsMcpSessions?.removeWhere((e) => e.ownerKey === agentId && (jti === undefined || e.value.jti === jti)) ?? 0;
}
