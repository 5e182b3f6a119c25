// "This agent (or one of its tokens) may no longer be connected": a revocation, the agent disabled
// or deleted. The instance where it happened acts at once itself; this event tells the others, so
// each closes its own live MCP sessions of that agent or token and forgets the token
// verifications it remembers (lib/auth/agent-jwt.ts), instead of noticing within the second.
// The event names ids only (agent, token jti), never a token.
import { logger } from '@/lib/observability/logger';
import type { BusSubscription, ClusterBus } from './bus';

export const AGENT_ACCESS_CHANNEL = 'axs:cluster:agent-access';

export interface AgentAccessEnded {
  agentId: string;
  /** One token (revoked); absent: every token of the agent. */
  jti?: string;
  /** Close its open MCP sessions (revoked, disabled, deleted) or only re-check its tokens (changed). */
  closeSessions: boolean;
}

/** Tells the other instances; never throws (false when the store could not be reached, logged). */
export async function publishAgentAccessEnded(bus: ClusterBus, event: AgentAccessEnded): Promise<boolean> {
  try {
    await bus.publish(AGENT_ACCESS_CHANNEL, {
      from: bus.instanceId,
      agentId: event.agentId,
      ...(event.jti ? { jti: event.jti } : {}),
      closeSessions: event.closeSessions,
    });
    return true;
  } catch (error) {
    logger().warn(
      { agent_id: event.agentId, err: { message: (error as Error)?.message } },
      'could not tell the other instances that an agent lost access; they notice within a second at its next request',
    );
    return false;
  }
}

/** Applies every other instance's events with `apply` (this instance's own were applied where they happened). */
export function listenForAgentAccessEnded(bus: ClusterBus, apply: (event: AgentAccessEnded) => void): BusSubscription {
  return bus.subscribe(AGENT_ACCESS_CHANNEL, (message) => {
    const { from, agentId, jti, closeSessions } = message;
    if (from === bus.instanceId) return;
    if (typeof agentId !== 'string' || !agentId || (jti !== undefined && typeof jti !== 'string')) {
      logger().warn({ cluster_channel: AGENT_ACCESS_CHANNEL }, 'agent access event ignored: malformed');
      return;
    }
    apply({ agentId, ...(jti ? { jti } : {}), closeSessions: closeSessions !== false });
  });
}
