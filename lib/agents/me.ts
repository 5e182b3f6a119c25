// GET /api/v1/agents/me: an agent checks who it is, with the credential it presented.
import { and, eq } from 'drizzle-orm';
import { agents, issuedTokens, type Agent } from '@/db/schema';
import { AppError, unauthenticated } from '@/lib/api/errors';
import type { AgentActor, AgentCtx } from '@/lib/auth/context';
import type { AgentTokenScope } from './schemas';

export interface AgentSelf {
  agent: Pick<Agent, 'id' | 'name' | 'slug' | 'mode' | 'enabled'> & { organization_id: string; environment_id: string };
  /** Null when the agent used its own inbound credential rather than a platform token. */
  token: { jti: string; scopes: string[]; expires_at: string } | null;
}

/** 403 unless the agent's token carries `scope`; the refusal is audited in the agent's org. */
export function requireAgentScope(actor: AgentActor, scope: AgentTokenScope): void {
  // Inbound credentials (BEARER, MTLS) carry no scopes: they are the agent itself.
  if (actor.via !== 'agent_jwt' || actor.scopes.includes(scope)) return;
  const error = new AppError('forbidden', `This token lacks the ${scope} scope`, { required_scope: scope });
  error.orgId = actor.orgId;
  throw error;
}

export async function getAgentSelf(ctx: AgentCtx): Promise<AgentSelf> {
  const { actor } = ctx;
  requireAgentScope(actor, 'agents.me');
  const [agent] = await ctx.db
    .select()
    .from(agents)
    .where(and(eq(agents.id, actor.agentId), eq(agents.organizationId, actor.orgId)));
  // Deleted between verification and here: the credential is no longer good.
  if (!agent) throw unauthenticated('Invalid or expired token');
  let token: AgentSelf['token'] = null;
  if (actor.jti) {
    const [row] = await ctx.db
      .select({ expiresAt: issuedTokens.expiresAt })
      .from(issuedTokens)
      .where(and(eq(issuedTokens.jti, actor.jti), eq(issuedTokens.agentId, agent.id), eq(issuedTokens.organizationId, actor.orgId)));
    if (!row) throw unauthenticated('Invalid or expired token');
    token = { jti: actor.jti, scopes: actor.scopes, expires_at: row.expiresAt.toISOString() };
  }
  return {
    agent: {
      id: agent.id,
      name: agent.name,
      slug: agent.slug,
      mode: agent.mode,
      enabled: agent.enabled,
      organization_id: agent.organizationId,
      environment_id: agent.environmentId,
    },
    token,
  };
}
