// Asking the policy decision point a question from outside the execute pipeline: the evaluate
// endpoints (an operator checks a request and reads why) and an agent's effective permissions
// (the tools it may use and why — the same function filters the MCP tools/list).
import { and, asc, eq } from 'drizzle-orm';
import {
  agents,
  connections,
  environments,
  organizationMemberships,
  prompts,
  resources,
  serviceAccounts,
  tools,
  type Agent,
  type Environment,
} from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { UserCtx } from '@/lib/auth/context';
import { isRole, type OrgRole } from '@/lib/auth/rbac';
import { isUuid, requireOrgAccess, type OrgCtx } from '@/lib/tenancy/access';
import { SYSTEM_CONNECTION, systemTools } from '@/lib/executor/system-tools';
import { decide } from './engine';
import type { EvaluateInput } from './schemas';
import { compiledPoliciesFor } from './store';
import type { Decision, DecisionRequest } from './types';

export interface EvaluateResult extends Decision {
  /** The request as the engine saw it, after ids were resolved. */
  request: {
    organization_id: string;
    environment_id: string | null;
    environment_type: string | null;
    subject: DecisionRequest['subject'];
    action: string;
    target: string;
    target_id: string | null;
  };
}

async function environmentOf(ctx: Pick<OrgCtx, 'db' | 'orgId'>, id: string, field = 'environment_id'): Promise<Environment> {
  const [row] = await ctx.db
    .select()
    .from(environments)
    .where(and(eq(environments.id, id), eq(environments.organizationId, ctx.orgId)));
  if (!row) throw invalidInput({ [field]: ['Unknown environment'] });
  return row;
}

async function agentOf(ctx: OrgCtx, id: string, field: string): Promise<Agent> {
  const [row] = isUuid(id)
    ? await ctx.db
        .select()
        .from(agents)
        .where(and(eq(agents.id, id), eq(agents.organizationId, ctx.orgId)))
    : [];
  if (!row) throw invalidInput({ [field]: ['Unknown agent'] });
  return row;
}

/** The subject of an evaluate request, resolved in the organization (unknown ids are field errors). */
async function resolveSubject(ctx: OrgCtx, input: EvaluateInput): Promise<{ subject: DecisionRequest['subject']; agent: Agent | null }> {
  const subject: DecisionRequest['subject'] = { roles: [] };
  let agent: Agent | null = null;
  const raw = input.subject;
  const parts: { agent_id?: string; user_id?: string; service_account_id?: string; roles?: string[] } =
    typeof raw === 'string'
      ? (() => {
          const at = raw.indexOf(':');
          const [kind, id] = [raw.slice(0, at), raw.slice(at + 1)];
          if (kind === 'role') return { roles: [id] };
          return { [`${kind}_id`]: id };
        })()
      : (raw ?? {});
  const agentId = input.agent_id ?? parts.agent_id;
  if (input.agent_id && parts.agent_id && input.agent_id !== parts.agent_id) throw invalidInput({ subject: ['Names another agent than agent_id'] });
  if (agentId) {
    agent = await agentOf(ctx, agentId, input.agent_id ? 'agent_id' : 'subject');
    subject.agentId = agent.id;
    subject.serviceAccountId = agent.serviceAccountId;
  }
  if (parts.service_account_id) {
    const [sa] = isUuid(parts.service_account_id)
      ? await ctx.db
          .select({ id: serviceAccounts.id })
          .from(serviceAccounts)
          .where(and(eq(serviceAccounts.id, parts.service_account_id), eq(serviceAccounts.organizationId, ctx.orgId)))
      : [];
    if (!sa) throw invalidInput({ subject: ['Unknown service account'] });
    subject.serviceAccountId = sa.id;
  }
  if (parts.user_id) {
    const [member] = isUuid(parts.user_id)
      ? await ctx.db
          .select({ role: organizationMemberships.role })
          .from(organizationMemberships)
          .where(
            and(
              eq(organizationMemberships.userId, parts.user_id),
              eq(organizationMemberships.organizationId, ctx.orgId),
              eq(organizationMemberships.isActive, true),
            ),
          )
      : [];
    if (!member) throw invalidInput({ subject: ['Not a member of this organization'] });
    subject.userId = parts.user_id;
    subject.roles!.push(member.role);
  }
  for (const role of parts.roles ?? []) {
    if (!isRole(role)) throw invalidInput({ subject: [`Unknown role ${role}`] });
    if (!subject.roles!.includes(role)) subject.roles!.push(role as OrgRole);
  }
  return { subject, agent };
}

/** `tool:<connection>/<tool>` in an environment → that tool's id (tool bindings match it), if any. */
async function toolIdOf(ctx: OrgCtx, target: string, environmentId: string | null): Promise<string | null> {
  const match = /^tool:([^/]+)\/(.+)$/.exec(target);
  if (!match || !environmentId) return null;
  const [row] = await ctx.db
    .select({ id: tools.id })
    .from(tools)
    .innerJoin(connections, eq(connections.id, tools.connectionId))
    .where(
      and(
        eq(tools.organizationId, ctx.orgId),
        eq(tools.environmentId, environmentId),
        eq(connections.name, match[1]!),
        eq(tools.name, match[2]!),
      ),
    )
    .orderBy(asc(tools.version))
    .limit(1);
  return row?.id ?? null;
}

/** POST /orgs/{org_id}/policies/evaluate/ */
export async function evaluatePolicy(ctx: OrgCtx, input: EvaluateInput): Promise<EvaluateResult> {
  const { subject, agent } = await resolveSubject(ctx, input);
  // An agent lives in one environment: it fixes the environment of the question.
  if (agent && input.environment_id && input.environment_id !== agent.environmentId) {
    throw invalidInput({ environment_id: ['The agent belongs to another environment'] });
  }
  const environmentId = agent?.environmentId ?? input.environment_id ?? null;
  const environment = environmentId ? await environmentOf(ctx, environmentId) : null;
  const targetId = await toolIdOf(ctx, input.target, environmentId);
  const request: DecisionRequest = {
    organizationId: ctx.orgId,
    environmentId,
    environmentType: environment?.type ?? null,
    subject,
    action: input.action,
    target: input.target,
    targetId,
    context: { input: input.context?.input, now: input.context?.now ? new Date(input.context.now) : new Date() },
  };
  const decision = decide(await compiledPoliciesFor(ctx.db, ctx.orgId), request);
  return {
    ...decision,
    request: {
      organization_id: ctx.orgId,
      environment_id: environmentId,
      environment_type: environment?.type ?? null,
      subject,
      action: input.action,
      target: input.target,
      target_id: targetId,
    },
  };
}

/**
 * POST /policies/evaluate/ — the same question without an organization in the path: it comes
 * from the body's organization_id or the agent's row, and only the caller's organizations answer.
 */
export async function evaluatePolicyGlobal(ctx: UserCtx, input: EvaluateInput): Promise<EvaluateResult> {
  let orgId = input.organization_id;
  if (!orgId && input.agent_id) {
    const [row] = await ctx.db.select({ orgId: agents.organizationId }).from(agents).where(eq(agents.id, input.agent_id));
    orgId = row?.orgId;
    if (!orgId) throw notFound('Agent');
  }
  if (!orgId) throw invalidInput({ organization_id: ['Name organization_id (or agent_id, whose organization is used)'] });
  let orgCtx: OrgCtx;
  try {
    orgCtx = await requireOrgAccess(ctx, orgId, 'org.read');
  } catch (error) {
    // Not the caller's: as unknown as an id that does not exist.
    if (error instanceof AppError && error.code === 'not_found') throw notFound(input.organization_id ? 'Organization' : 'Agent');
    throw error;
  }
  return evaluatePolicy(orgCtx, input);
}

// ---------------------------------------------------------------------------------------------
// Effective permissions

export interface PermissionEntry {
  decision: Decision['decision'];
  reason: string;
  explanation: string;
  matched: Decision['matched'];
  priority: number | null;
}

export interface ToolPermission extends PermissionEntry {
  tool_id: string;
  name: string;
  version: string;
  description: string | null;
  connection: { id: string; name: string; enabled: boolean };
  target: string;
  sync_status: string;
  enabled: boolean;
  /** Allowed and runnable: what the agent sees in tools/list. */
  visible: boolean;
  /** Why a policy-allowed tool still cannot run, if it cannot. */
  not_runnable_reason: string | null;
  /** With `withDefinitions`: what tools/list shows of it. */
  definition?: { input_schema: Record<string, unknown>; output_schema: Record<string, unknown> | null; annotations: Record<string, unknown> };
}

/** A built-in tool (lib/executor/system-tools.ts) as the agent's policies decide it. */
export interface SystemToolPermission extends PermissionEntry {
  name: string;
  target: string;
  description: string;
  input_schema: Record<string, unknown>;
  visible: boolean;
}

export interface NamedPermission extends PermissionEntry {
  id: string;
  name: string;
  target: string;
  enabled: boolean;
}

export interface EffectivePermissions {
  agent: { id: string; name: string; enabled: boolean; environment_id: string };
  environment: { id: string; name: string; type: string };
  evaluated_at: string;
  tools: ToolPermission[];
  system_tools: SystemToolPermission[];
  resources: NamedPermission[];
  prompts: NamedPermission[];
  summary: { tools_allowed: number; tools_visible: number; tools_total: number };
}

const entryOf = (d: Decision): PermissionEntry => ({
  decision: d.decision,
  reason: d.reason,
  explanation: d.explanation,
  matched: d.matched,
  priority: d.priority,
});

function notRunnableReason(t: { enabled: boolean; syncStatus: string; connectionEnabled: boolean }): string | null {
  if (!t.connectionEnabled) return 'Its connection is disabled';
  if (!t.enabled) return 'The tool is disabled';
  if (t.syncStatus !== 'synced') return `Its sync status is ${t.syncStatus}`;
  return null;
}

/**
 * What an agent may use in its environment and why, decided the way tools/list decides (API-NOTES:
 * a tool shows when some allow path exists ignoring input conditions). Resources and prompts here
 * are the organization's own; those of upstream servers are decided when they are listed live.
 */
export async function effectivePermissions(
  ctx: Pick<OrgCtx, 'db' | 'orgId'>,
  agentId: string,
  options: { withDefinitions?: boolean } = {},
): Promise<EffectivePermissions> {
  if (!isUuid(agentId)) throw notFound('Agent');
  const [agent] = await ctx.db
    .select()
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.organizationId, ctx.orgId)));
  if (!agent) throw notFound('Agent');
  const environment = await environmentOf(ctx, agent.environmentId);
  const now = new Date();
  const [compiled, toolRows, resourceRows, promptRows] = await Promise.all([
    compiledPoliciesFor(ctx.db, ctx.orgId),
    ctx.db
      .select({
        id: tools.id,
        name: tools.name,
        version: tools.version,
        description: tools.description,
        enabled: tools.enabled,
        syncStatus: tools.syncStatus,
        connectionId: connections.id,
        connectionName: connections.name,
        connectionEnabled: connections.enabled,
        schemaJson: tools.schemaJson,
        outputSchema: tools.outputSchema,
        annotations: tools.annotations,
      })
      .from(tools)
      .innerJoin(connections, eq(connections.id, tools.connectionId))
      .where(and(eq(tools.organizationId, ctx.orgId), eq(tools.environmentId, agent.environmentId)))
      .orderBy(asc(connections.name), asc(tools.name), asc(tools.version)),
    ctx.db
      .select({ id: resources.id, name: resources.name, enabled: resources.enabled })
      .from(resources)
      .where(and(eq(resources.organizationId, ctx.orgId), eq(resources.environmentId, agent.environmentId)))
      .orderBy(asc(resources.name)),
    ctx.db
      .select({ id: prompts.id, name: prompts.name, enabled: prompts.enabled })
      .from(prompts)
      .where(and(eq(prompts.organizationId, ctx.orgId), eq(prompts.environmentId, agent.environmentId)))
      .orderBy(asc(prompts.name)),
  ]);
  const base = {
    organizationId: ctx.orgId,
    environmentId: agent.environmentId,
    environmentType: environment.type,
    subject: { agentId: agent.id, serviceAccountId: agent.serviceAccountId, roles: [] },
    context: { now },
  } satisfies Omit<DecisionRequest, 'action' | 'target'>;
  const listing = { mode: 'listing' as const };

  const toolResults: ToolPermission[] = toolRows.map((t) => {
    const target = `tool:${t.connectionName}/${t.name}`;
    const d = decide(compiled, { ...base, action: 'tool.invoke', target, targetId: t.id }, listing);
    const why = notRunnableReason(t);
    return {
      tool_id: t.id,
      name: t.name,
      version: t.version,
      description: t.description,
      connection: { id: t.connectionId, name: t.connectionName, enabled: t.connectionEnabled },
      target,
      sync_status: t.syncStatus,
      enabled: t.enabled,
      visible: agent.enabled && d.decision === 'allow' && !why,
      not_runnable_reason: why,
      ...(options.withDefinitions ? { definition: { input_schema: t.schemaJson, output_schema: t.outputSchema, annotations: t.annotations } } : {}),
      ...entryOf(d),
    };
  });
  const systemResults: SystemToolPermission[] = systemTools().map((t) => {
    const target = `tool:${SYSTEM_CONNECTION}/${t.name}`;
    const d = decide(compiled, { ...base, action: 'tool.invoke', target, targetId: null }, listing);
    return { name: t.name, target, description: t.description, input_schema: t.inputSchema, visible: agent.enabled && d.decision === 'allow', ...entryOf(d) };
  });
  const named = (action: string, kind: string) => (r: { id: string; name: string; enabled: boolean }): NamedPermission => {
    const target = `${kind}:${r.name}`;
    return { id: r.id, name: r.name, target, enabled: r.enabled, ...entryOf(decide(compiled, { ...base, action, target }, listing)) };
  };
  return {
    agent: { id: agent.id, name: agent.name, enabled: agent.enabled, environment_id: agent.environmentId },
    environment: { id: environment.id, name: environment.name, type: environment.type },
    evaluated_at: now.toISOString(),
    tools: toolResults,
    system_tools: systemResults,
    resources: resourceRows.map(named('resource.read', 'resource')),
    prompts: promptRows.map(named('prompt.get', 'prompt')),
    summary: {
      tools_allowed: toolResults.filter((t) => t.decision === 'allow').length,
      tools_visible: toolResults.filter((t) => t.visible).length,
      tools_total: toolResults.length,
    },
  };
}
