// Agents: create, list, read, update, delete and ping. Every Agent constraint of the spec is checked
// here first, answering 400/409 with the field that breaks it; the table's CHECKs and unique
// indexes stay as the backstop for races.
import { endAgentAccess } from '@/lib/mcp/gateway/sessions';
import { and, asc, count, eq, gt, ilike, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { agents, connections, environments, issuedTokens, serviceAccounts, type Agent, type NewAgent } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { changedFields, recordAudit } from '@/lib/audit/record';
import { getConnectionOrThrow } from '@/lib/connections/service';
import { checkConnection } from '@/lib/connections/test-connection';
import { secretRefExists } from '@/lib/secrets/refs';
import { authorize, isUuid, type OrgCtx } from '@/lib/tenancy/access';
import type { AgentFilters, CreateAgentInput, PatchAgentInput } from './schemas';
import { slugify } from '@/lib/slug';
import { withUniqueFields, type UniqueFields } from '@/lib/api/unique-conflicts';

export interface PublicAgent {
  id: string;
  organization_id: string;
  environment_id: string;
  connection_id: string | null;
  service_account_id: string | null;
  name: string;
  slug: string;
  description: string | null;
  mode: Agent['mode'];
  inbound_auth_method: Agent['inboundAuthMethod'];
  enabled: boolean;
  capabilities: Record<string, unknown>;
  tags: string[];
  bearer_secret_ref: string | null;
  inbound_secret_ref: string | null;
  mtls_cert_ref: string | null;
  mtls_key_ref: string | null;
  created_at: string;
  updated_at: string;
}

export const toPublicAgent = (a: Agent): PublicAgent => ({
  id: a.id,
  organization_id: a.organizationId,
  environment_id: a.environmentId,
  connection_id: a.connectionId,
  service_account_id: a.serviceAccountId,
  name: a.name,
  slug: a.slug,
  description: a.description,
  mode: a.mode,
  inbound_auth_method: a.inboundAuthMethod,
  enabled: a.enabled,
  capabilities: a.capabilities,
  tags: a.tags,
  bearer_secret_ref: a.bearerSecretRef,
  inbound_secret_ref: a.inboundSecretRef,
  mtls_cert_ref: a.mtlsCertRef,
  mtls_key_ref: a.mtlsKeyRef,
  created_at: a.createdAt.toISOString(),
  updated_at: a.updatedAt.toISOString(),
});

/** The columns a request sets: everything but ids, the organization and timestamps. */
export type AgentValues = Required<Omit<NewAgent, 'id' | 'organizationId' | 'createdAt' | 'updatedAt'>>;

/** An agent of the caller's organization, or 404 (also for another organization's agent). */
export async function getAgentOrThrow(ctx: OrgCtx, agentId: string): Promise<Agent> {
  if (!isUuid(agentId)) throw notFound('Agent');
  const [row] = await ctx.db
    .select()
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.organizationId, ctx.orgId)));
  if (!row) throw notFound('Agent');
  return row;
}

export function agentValuesFromInput(input: Omit<CreateAgentInput, 'service_account_id'> & { service_account_id?: string | null }): AgentValues {
  const slug = input.slug ?? slugify(input.name);
  if (!slug) throw invalidInput({ slug: ['The name has no letters or digits to derive a slug from; give a slug'] });
  return {
    environmentId: input.environment_id,
    connectionId: input.connection_id,
    serviceAccountId: input.service_account_id ?? null,
    name: input.name,
    slug,
    description: input.description,
    mode: input.mode,
    inboundAuthMethod: input.inbound_auth_method,
    enabled: input.enabled,
    capabilities: input.capabilities,
    tags: input.tags,
    bearerSecretRef: input.bearer_secret_ref,
    inboundSecretRef: input.inbound_secret_ref,
    mtlsCertRef: input.mtls_cert_ref,
    mtlsKeyRef: input.mtls_key_ref,
  };
}

function valuesOf(a: Agent): AgentValues {
  return {
    environmentId: a.environmentId,
    connectionId: a.connectionId,
    serviceAccountId: a.serviceAccountId,
    name: a.name,
    slug: a.slug,
    description: a.description,
    mode: a.mode,
    inboundAuthMethod: a.inboundAuthMethod,
    enabled: a.enabled,
    capabilities: a.capabilities,
    tags: a.tags,
    bearerSecretRef: a.bearerSecretRef,
    inboundSecretRef: a.inboundSecretRef,
    mtlsCertRef: a.mtlsCertRef,
    mtlsKeyRef: a.mtlsKeyRef,
  };
}

/** The agent as it would be after a PATCH: the current row with the given fields replaced. */
function mergePatch(current: Agent, input: PatchAgentInput): AgentValues {
  const set = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  const v = valuesOf(current);
  return {
    environmentId: set(input.environment_id, v.environmentId),
    connectionId: set(input.connection_id, v.connectionId),
    serviceAccountId: set(input.service_account_id, v.serviceAccountId),
    name: set(input.name, v.name),
    // A new name keeps the slug: slugs are identifiers that clients may have stored.
    slug: set(input.slug, v.slug),
    description: set(input.description, v.description),
    mode: set(input.mode, v.mode),
    inboundAuthMethod: set(input.inbound_auth_method, v.inboundAuthMethod),
    enabled: set(input.enabled, v.enabled),
    capabilities: set(input.capabilities, v.capabilities),
    tags: set(input.tags, v.tags),
    bearerSecretRef: set(input.bearer_secret_ref, v.bearerSecretRef),
    inboundSecretRef: set(input.inbound_secret_ref, v.inboundSecretRef),
    mtlsCertRef: set(input.mtls_cert_ref, v.mtlsCertRef),
    mtlsKeyRef: set(input.mtls_key_ref, v.mtlsKeyRef),
  };
}

const SECRET_REF_FIELDS = [
  ['bearer_secret_ref', 'bearerSecretRef'],
  ['inbound_secret_ref', 'inboundSecretRef'],
  ['mtls_cert_ref', 'mtlsCertRef'],
  ['mtls_key_ref', 'mtlsKeyRef'],
] as const;

/**
 * 400 naming every field that breaks a rule. References (environment, connection, service
 * account, secrets) are looked up only when the request sets or changes them: a PATCH that only
 * flips `enabled` — the kill switch — must work even if a secret it refers to was deleted since.
 * The structural rules (RUNNER, BEARER, MTLS) always hold for the whole merged agent.
 */
export async function assertAgentValid(ctx: OrgCtx, next: AgentValues, current?: Agent): Promise<void> {
  const fields: Record<string, string[]> = {};
  const fail = (field: string, message: string) => (fields[field] ??= []).push(message);
  const changed = (key: keyof AgentValues) => !current || current[key] !== next[key];
  const envChanged = changed('environmentId');

  let envOk = true;
  if (envChanged) {
    const [env] = await ctx.db
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.id, next.environmentId), eq(environments.organizationId, ctx.orgId)));
    if (!env) {
      envOk = false;
      fail('environment_id', 'No such environment in this organization');
    }
  }

  if (next.connectionId && (changed('connectionId') || envChanged)) {
    const [conn] = await ctx.db
      .select({ environmentId: connections.environmentId })
      .from(connections)
      .where(and(eq(connections.id, next.connectionId), eq(connections.organizationId, ctx.orgId)));
    if (!conn) fail('connection_id', 'No such connection in this organization');
    else if (envOk && conn.environmentId !== next.environmentId) {
      fail('connection_id', "The connection belongs to another environment than the agent's");
    }
  }
  if (next.mode === 'RUNNER' && !next.connectionId) {
    fail('connection_id', 'A RUNNER agent needs a connection (or use mode CALLER)');
  }

  if (next.serviceAccountId && (changed('serviceAccountId') || envChanged)) {
    const [account] = await ctx.db
      .select({ environmentId: serviceAccounts.environmentId })
      .from(serviceAccounts)
      .where(and(eq(serviceAccounts.id, next.serviceAccountId), eq(serviceAccounts.organizationId, ctx.orgId)));
    if (!account) fail('service_account_id', 'No such service account in this organization');
    else if (envOk && account.environmentId && account.environmentId !== next.environmentId) {
      fail('service_account_id', "The service account is limited to another environment than the agent's");
    }
  }

  if (next.inboundAuthMethod === 'BEARER' && !next.bearerSecretRef && !next.inboundSecretRef) {
    fail('bearer_secret_ref', 'BEARER inbound auth needs bearer_secret_ref or inbound_secret_ref');
  }
  if (next.inboundAuthMethod === 'MTLS') {
    if (!next.mtlsCertRef) fail('mtls_cert_ref', 'MTLS inbound auth needs mtls_cert_ref');
    if (!next.mtlsKeyRef) fail('mtls_key_ref', 'MTLS inbound auth needs mtls_key_ref');
  }
  for (const [field, key] of SECRET_REF_FIELDS) {
    const ref = next[key];
    if (ref && changed(key) && !(await secretRefExists(ctx, ref))) fail(field, 'No such secret in this organization');
  }

  if (Object.keys(fields).length) throw invalidInput(fields, 'The agent breaks a constraint');
}

const conflict = (field: string, message: string) => new AppError('conflict', message, { fields: { [field]: [message] } });

const AGENT_UNIQUE: UniqueFields = {
  agents_org_env_name_unique: ['name', 'This environment already has an agent with this name'],
  agents_org_env_slug_unique: ['slug', 'This environment already has an agent with this slug (case-insensitive)'],
  agents_service_account_unique: ['service_account_id', 'This service account already speaks for another agent'],
};

/** 409 naming the field when name, slug (case-insensitively) or service account is taken. */
export async function assertAgentUnique(ctx: OrgCtx, next: AgentValues, exceptId?: string): Promise<void> {
  const notSelf = exceptId ? ne(agents.id, exceptId) : undefined;
  const inEnv = and(eq(agents.organizationId, ctx.orgId), eq(agents.environmentId, next.environmentId), notSelf);
  const [byName] = await ctx.db.select({ id: agents.id }).from(agents).where(and(inEnv, eq(agents.name, next.name)));
  if (byName) throw conflict('name', AGENT_UNIQUE.agents_org_env_name_unique![1]);
  const [bySlug] = await ctx.db
    .select({ id: agents.id })
    .from(agents)
    .where(and(inEnv, sql`lower(${agents.slug}) = lower(${next.slug})`));
  if (bySlug) throw conflict('slug', AGENT_UNIQUE.agents_org_env_slug_unique![1]);
  if (next.serviceAccountId) {
    const [linked] = await ctx.db
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.organizationId, ctx.orgId), eq(agents.serviceAccountId, next.serviceAccountId), notSelf));
    if (linked) throw conflict('service_account_id', AGENT_UNIQUE.agents_service_account_unique![1]);
  }
}

/** Insert or update inside `write`, with unique violations from races answered like the checks. */
export const withAgentUniqueFields = <T>(write: () => Promise<T>) => withUniqueFields(AGENT_UNIQUE, write);

/**
 * Linking a service account makes an external identity speak for the agent, and service accounts
 * are an admin matter (lib/auth/rbac.ts): members manage agents but only admins link identities.
 */
function authorizeServiceAccountLink(ctx: OrgCtx, next: AgentValues, current?: Agent): void {
  if (next.serviceAccountId && next.serviceAccountId !== current?.serviceAccountId) {
    authorize(ctx, 'service_account.manage');
  }
}

export async function createAgent(ctx: OrgCtx, input: CreateAgentInput): Promise<PublicAgent> {
  const values = agentValuesFromInput(input);
  authorizeServiceAccountLink(ctx, values);
  await assertAgentValid(ctx, values);
  await assertAgentUnique(ctx, values);
  const agent = await withAgentUniqueFields(() =>
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(agents)
        .values({ ...values, organizationId: ctx.orgId })
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'agent.create',
        eventType: 'agent_created',
        target: `agent:${row!.id}`,
        data: { name: row!.name, slug: row!.slug, mode: row!.mode, environment_id: row!.environmentId },
      });
      return row!;
    }),
  );
  // Its tokens are checked again at their next use (a new environment invalidates them); disabled,
  // its open MCP sessions end now (the kill switch acts on live connections too).
  await endAgentAccess({ agentId: agent.id, closeSessions: !agent.enabled });
  return toPublicAgent(agent);
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listAgents(
  ctx: OrgCtx,
  filters: AgentFilters,
  page: PageRequest,
): Promise<{ total: number; results: PublicAgent[] }> {
  const conditions: (SQL | undefined)[] = [eq(agents.organizationId, ctx.orgId)];
  if (filters.environment_id) conditions.push(eq(agents.environmentId, filters.environment_id));
  if (filters.mode) conditions.push(eq(agents.mode, filters.mode));
  if (filters.enabled !== undefined) conditions.push(eq(agents.enabled, filters.enabled));
  if (filters.search) {
    const pattern = `%${escapeLike(filters.search)}%`;
    conditions.push(or(ilike(agents.name, pattern), ilike(agents.slug, pattern)));
  }
  const where = and(...conditions);
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(agents).where(where);
  const rows = await ctx.db
    .select()
    .from(agents)
    .where(where)
    .orderBy(asc(agents.name), asc(agents.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicAgent) };
}

export async function getAgent(ctx: OrgCtx, agentId: string): Promise<PublicAgent> {
  return toPublicAgent(await getAgentOrThrow(ctx, agentId));
}

/** PUT (`replace`: the whole agent as in a create) and PATCH (the given fields only). */
export async function updateAgent(
  ctx: OrgCtx,
  agentId: string,
  input: PatchAgentInput | CreateAgentInput,
  { replace = false } = {},
): Promise<PublicAgent> {
  const current = await getAgentOrThrow(ctx, agentId);
  const next = replace ? agentValuesFromInput(input as CreateAgentInput) : mergePatch(current, input);
  authorizeServiceAccountLink(ctx, next, current);
  await assertAgentValid(ctx, next, current);
  await assertAgentUnique(ctx, next, current.id);
  const eventType =
    next.enabled === current.enabled ? 'agent_updated' : next.enabled ? 'agent_enabled' : 'agent_disabled';
  const agent = await withAgentUniqueFields(() =>
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(agents)
        .set({ ...next, updatedAt: new Date() })
        .where(and(eq(agents.id, current.id), eq(agents.organizationId, ctx.orgId)))
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'agent.update',
        eventType,
        target: `agent:${current.id}`,
        data: { changed_fields: changedFields(replace ? diff(current, next) : input) },
      });
      return row!;
    }),
  );
  // Its tokens are checked again at their next use (a new environment invalidates them); disabled,
  // its open MCP sessions end now (the kill switch acts on live connections too).
  await endAgentAccess({ agentId: agent.id, closeSessions: !agent.enabled });
  return toPublicAgent(agent);
}

/** For a PUT's audit event: the snake_case names of the fields whose value changed. */
function diff(current: Agent, next: AgentValues): Record<string, true | undefined> {
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const before = valuesOf(current);
  return Object.fromEntries(
    (Object.keys(next) as (keyof AgentValues)[]).map((k) => [
      snake(k),
      JSON.stringify(before[k]) === JSON.stringify(next[k]) ? undefined : true,
    ]),
  );
}

/** Deletes the agent and its tokens. Policy bindings naming it simply stop matching. */
export async function deleteAgent(ctx: OrgCtx, agentId: string): Promise<void> {
  const current = await getAgentOrThrow(ctx, agentId);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(agents).where(and(eq(agents.id, current.id), eq(agents.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'agent.delete',
      eventType: 'agent_deleted',
      target: `agent:${current.id}`,
      data: { name: current.name, slug: current.slug },
    });
  });
  await endAgentAccess({ agentId: current.id, closeSessions: true });
}

export interface AgentPing {
  agent_id: string;
  enabled: boolean;
  /** ok; disabled (the kill switch is off); connection_error (its connection did not answer). */
  status: 'ok' | 'disabled' | 'connection_error';
  active_tokens: number;
  /** The agent's connection and what a live check of it found; null for agents without one. */
  connection: { id: string; name: string; status: 'ok' | 'error'; latency_ms: number | null; message: string | null } | null;
  connection_check: 'ok' | 'failed' | 'none';
  checked_at: string;
}

export async function pingAgent(ctx: OrgCtx, agentId: string): Promise<AgentPing> {
  const agent = await getAgentOrThrow(ctx, agentId);
  const now = new Date();
  const [{ active } = { active: 0 }] = await ctx.db
    .select({ active: count() })
    .from(issuedTokens)
    .where(
      and(
        eq(issuedTokens.agentId, agent.id),
        eq(issuedTokens.organizationId, ctx.orgId),
        isNull(issuedTokens.revokedAt),
        gt(issuedTokens.expiresAt, now),
      ),
    );
  const connection = agent.connectionId ? await checkAgentConnection(ctx, agent.connectionId) : null;
  const connectionFailed = connection?.status === 'error';
  return {
    agent_id: agent.id,
    enabled: agent.enabled,
    status: !agent.enabled ? 'disabled' : connectionFailed ? 'connection_error' : 'ok',
    active_tokens: active,
    connection,
    connection_check: connection ? (connectionFailed ? 'failed' : 'ok') : 'none',
    checked_at: now.toISOString(),
  };
}

/** A live initialize of the agent's connection; its failure is part of the answer, not an error. */
async function checkAgentConnection(ctx: OrgCtx, connectionId: string): Promise<NonNullable<AgentPing['connection']>> {
  const connection = await getConnectionOrThrow(ctx, connectionId);
  try {
    const result = await checkConnection(ctx, connection);
    return { id: connection.id, name: connection.name, status: 'ok', latency_ms: result.latency_ms, message: null };
  } catch (error) {
    const message = error instanceof AppError ? error.message : 'The connection check failed';
    return { id: connection.id, name: connection.name, status: 'error', latency_ms: null, message };
  }
}
