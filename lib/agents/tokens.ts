// Agent tokens: issue (the token is shown once), list (never the token), revoke, delete. Signing and
// verification live in lib/auth/agent-jwt.ts; this file holds the rules around them: who may get a
// token, for how long, with which scopes. Audit events name the jti, never the token.
import { endAgentAccess } from '@/lib/mcp/gateway/sessions';
import { and, count, desc, eq, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { issuedTokens, serviceAccounts, type Agent, type IssuedToken, type ServiceAccount } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { recordAudit } from '@/lib/audit/record';
import { signAgentToken } from '@/lib/auth/agent-jwt';
import { env } from '@/lib/env';
import type { OrgCtx } from '@/lib/tenancy/access';
import { AGENT_TOKEN_SCOPES, type IssueTokenInput } from './schemas';
import { getAgentOrThrow } from './service';

export type TokenStatus = 'active' | 'revoked' | 'expired';

export interface PublicIssuedToken {
  id: string;
  agent_id: string;
  jti: string;
  name: string | null;
  scopes: string[];
  metadata: Record<string, unknown>;
  status: TokenStatus;
  expires_at: string;
  revoked_at: string | null;
  revoked_by_id: string | null;
  created_at: string;
}

/** The answer to an issue: the only time the token itself is shown. */
export interface IssuedAgentToken extends PublicIssuedToken {
  token: string;
}

const statusOf = (t: IssuedToken, now = Date.now()): TokenStatus =>
  t.revokedAt ? 'revoked' : t.expiresAt.getTime() <= now ? 'expired' : 'active';

export const toPublicToken = (t: IssuedToken): PublicIssuedToken => ({
  id: t.id,
  agent_id: t.agentId,
  jti: t.jti,
  name: typeof t.metadata.name === 'string' ? t.metadata.name : null,
  scopes: t.scopes,
  metadata: t.metadata,
  status: statusOf(t),
  expires_at: t.expiresAt.toISOString(),
  revoked_at: t.revokedAt?.toISOString() ?? null,
  revoked_by_id: t.revokedById,
  created_at: t.createdAt.toISOString(),
});

export interface TokenRequest {
  ttlSeconds: number;
  scopes: string[];
  metadata: Record<string, unknown>;
}

type AccountRules = Pick<ServiceAccount, 'enabled' | 'scopeAllowlist'> | null;

/**
 * What an agent may get: 409 when the agent or its service account is disabled; 400 when the
 * lifetime exceeds AGENT_TOKEN_MAX_TTL_SECONDS or a scope lies outside the service account's
 * allowlist. Without requested scopes the token gets every scope the allowlist permits.
 */
export function resolveTokenRequest(agent: Pick<Agent, 'enabled'>, account: AccountRules, input: IssueTokenInput): TokenRequest {
  if (!agent.enabled) {
    throw new AppError('conflict', 'The agent is disabled; enable it before issuing tokens', { reason: 'agent_disabled' });
  }
  if (account && !account.enabled) {
    throw new AppError('conflict', "The agent's service account is disabled", { reason: 'service_account_disabled' });
  }
  const { AGENT_TOKEN_TTL_SECONDS, AGENT_TOKEN_MAX_TTL_SECONDS } = env();
  const ttlSeconds = input.ttl_seconds ?? AGENT_TOKEN_TTL_SECONDS;
  if (ttlSeconds > AGENT_TOKEN_MAX_TTL_SECONDS) {
    throw invalidInput({ ttl_seconds: [`At most ${AGENT_TOKEN_MAX_TTL_SECONDS} seconds`] });
  }
  const allowlist = account?.scopeAllowlist ?? [];
  const restricted = allowlist.length > 0;
  const scopes = input.scopes ?? AGENT_TOKEN_SCOPES.filter((s) => !restricted || allowlist.includes(s));
  const outside = restricted ? scopes.filter((s) => !allowlist.includes(s)) : [];
  if (outside.length) {
    throw invalidInput({ scopes: [`Outside the service account's scope allowlist: ${outside.join(', ')}`] });
  }
  if (!scopes.length) throw invalidInput({ scopes: ['The service account allows no known scope'] });
  return {
    ttlSeconds,
    scopes,
    metadata: { ...input.metadata, ...(input.name !== undefined ? { name: input.name } : {}) },
  };
}

/** Signs a token and records its jti, in `tx` — the transaction the caller commits. */
export async function writeAgentToken(tx: Db, ctx: OrgCtx, agent: Agent, request: TokenRequest): Promise<IssuedAgentToken> {
  const signed = await signAgentToken({
    agentId: agent.id,
    orgId: ctx.orgId,
    envId: agent.environmentId,
    scopes: request.scopes,
    ttlSeconds: request.ttlSeconds,
  });
  const [row] = await tx
    .insert(issuedTokens)
    .values({
      organizationId: ctx.orgId,
      agentId: agent.id,
      jti: signed.jti,
      expiresAt: signed.expiresAt,
      scopes: request.scopes,
      metadata: request.metadata,
    })
    .returning();
  await recordAudit(tx, ctx, {
    organizationId: ctx.orgId,
    action: 'token.issue',
    eventType: 'token_issued',
    target: `token:${signed.jti}`,
    data: { agent_id: agent.id, scopes: request.scopes, expires_at: signed.expiresAt.toISOString() },
  });
  return { ...toPublicToken(row!), token: signed.token };
}

async function serviceAccountOf(ctx: OrgCtx, agent: Agent): Promise<AccountRules> {
  if (!agent.serviceAccountId) return null;
  const [account] = await ctx.db
    .select({ enabled: serviceAccounts.enabled, scopeAllowlist: serviceAccounts.scopeAllowlist })
    .from(serviceAccounts)
    .where(and(eq(serviceAccounts.id, agent.serviceAccountId), eq(serviceAccounts.organizationId, ctx.orgId)));
  return account ?? null;
}

export async function issueAgentToken(ctx: OrgCtx, agentId: string, input: IssueTokenInput): Promise<IssuedAgentToken> {
  const agent = await getAgentOrThrow(ctx, agentId);
  const request = resolveTokenRequest(agent, await serviceAccountOf(ctx, agent), input);
  return ctx.db.transaction((tx) => writeAgentToken(tx, ctx, agent, request));
}

const ofAgent = (ctx: OrgCtx, agentId: string) =>
  and(eq(issuedTokens.agentId, agentId), eq(issuedTokens.organizationId, ctx.orgId));

export async function listAgentTokens(
  ctx: OrgCtx,
  agentId: string,
  page: PageRequest,
): Promise<{ total: number; results: PublicIssuedToken[] }> {
  const agent = await getAgentOrThrow(ctx, agentId);
  const where = ofAgent(ctx, agent.id);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(issuedTokens).where(where);
  const rows = await ctx.db
    .select()
    .from(issuedTokens)
    .where(where)
    .orderBy(desc(issuedTokens.createdAt), desc(issuedTokens.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicToken) };
}

async function getTokenOrThrow(ctx: OrgCtx, agent: Agent, jti: string): Promise<IssuedToken> {
  const [row] = await ctx.db
    .select()
    .from(issuedTokens)
    .where(and(ofAgent(ctx, agent.id), eq(issuedTokens.jti, jti)));
  if (!row) throw notFound('Token');
  return row;
}

/** Revokes a token; revoking a revoked token changes nothing and answers it as it is. */
export async function revokeAgentToken(ctx: OrgCtx, agentId: string, jti: string): Promise<PublicIssuedToken> {
  const agent = await getAgentOrThrow(ctx, agentId);
  const token = await ctx.db.transaction(async (tx) => {
    // Conditional on revoked_at being null, so two concurrent revocations record one event.
    const [revoked] = await tx
      .update(issuedTokens)
      .set({ revokedAt: new Date(), revokedById: ctx.actor.userId, updatedAt: new Date() })
      .where(and(ofAgent(ctx, agent.id), eq(issuedTokens.jti, jti), isNull(issuedTokens.revokedAt)))
      .returning();
    if (!revoked) return null;
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'token.revoke',
      eventType: 'token_revoked',
      target: `token:${jti}`,
      data: { agent_id: agent.id },
    });
    return revoked;
  });
  // Open MCP sessions opened with this token end now, not at their next request — on every instance.
  await endAgentAccess({ agentId: agent.id, jti, closeSessions: true });
  return toPublicToken(token ?? (await getTokenOrThrow(ctx, agent, jti)));
}

/** Deletes a token's record, only once it can no longer be used (revoked or expired), else 409. */
export async function deleteAgentToken(ctx: OrgCtx, agentId: string, jti: string): Promise<void> {
  const agent = await getAgentOrThrow(ctx, agentId);
  const token = await getTokenOrThrow(ctx, agent, jti);
  const refuse = () =>
    new AppError('conflict', 'The token is still active: revoke it first, or wait until it expires', { status: 'active' });
  if (statusOf(token) === 'active') throw refuse();
  await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx
      .delete(issuedTokens)
      .where(
        and(
          eq(issuedTokens.id, token.id),
          eq(issuedTokens.organizationId, ctx.orgId),
          or(isNotNull(issuedTokens.revokedAt), lte(issuedTokens.expiresAt, new Date())),
        ),
      )
      .returning({ id: issuedTokens.id });
    if (!deleted) throw notFound('Token'); // deleted meanwhile by someone else
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'token.delete',
      eventType: 'token_deleted',
      target: `token:${jti}`,
      data: { agent_id: agent.id, status: statusOf(token) },
    });
  });
}
