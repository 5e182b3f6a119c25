// What the policy forms offer to choose from: the organization's environments, agents, members,
// roles and tool targets. Read-only, always inside the caller's organization, at most LIST_LIMIT
// of each (the largest page the services serve); anything past that is still typed by hand.
import type { Option } from '@/components/console/select-field';
import type { ScopeChoices } from '@/components/policies/scope-choices';
import { listAgents } from '@/lib/agents/service';
import { ROLES } from '@/lib/auth/rbac';
import { listConnections } from '@/lib/connections/service';
import type { OrgCtx } from '@/lib/tenancy/access';
import { listEnvironments, type PublicEnvironment } from '@/lib/tenancy/environments';
import { listMembers } from '@/lib/tenancy/memberships';
import { listTools } from '@/lib/tools/service';

const LIST_LIMIT = 200;
const ALL = { page: 1, pageSize: LIST_LIMIT, offset: 0 };

export async function environmentsOf(ctx: OrgCtx): Promise<PublicEnvironment[]> {
  return (await listEnvironments(ctx, ALL)).results;
}

/** The policy's scope: organization-wide ('') or one environment. */
export function scopeOptions(environments: readonly PublicEnvironment[]): Option[] {
  return [{ value: '', label: 'Organization-wide' }, ...environments.map((e) => ({ value: e.id, label: `${e.name} (${e.type})` }))];
}

export interface ToolTarget {
  /** `tool:<connection>/<tool>` */
  target: string;
  toolId: string;
  environmentId: string;
}

/**
 * The tool targets of the organization (or of one environment): `tool:<connection>/<tool>`, the
 * name rules and the evaluate panel use for a tool. One entry per name and environment, whatever
 * its versions (the same connection name may exist in several environments).
 */
export async function toolTargets(ctx: OrgCtx, environmentId?: string | null): Promise<ToolTarget[]> {
  const filters = environmentId ? { environment_id: environmentId } : {};
  const [tools, connections] = await Promise.all([listTools(ctx, filters, ALL), listConnections(ctx, filters, ALL)]);
  const connectionName = new Map(connections.results.map((c) => [c.id, c.name]));
  const seen = new Map<string, ToolTarget>();
  for (const t of tools.results) {
    const connection = connectionName.get(t.connection_id);
    if (!connection) continue;
    const target = `tool:${connection}/${t.name}`;
    const key = `${t.environment_id} ${target}`;
    if (!seen.has(key)) seen.set(key, { target, toolId: t.id, environmentId: t.environment_id });
  }
  return [...seen.values()].sort((a, b) => a.target.localeCompare(b.target));
}

/** Suggestions for a rule's target: every tool, then each connection's `tool:<connection>/*`. */
export function targetSuggestions(targets: readonly ToolTarget[]): string[] {
  const connections = new Set(targets.map((t) => t.target.slice(0, t.target.indexOf('/') + 1)));
  return [...new Set([...targets.map((t) => t.target), ...[...connections].map((c) => `${c}*`), 'tool:*'])];
}

/** What a binding may name, per scope type, labelled for people. */
export async function bindingScopeChoices(ctx: OrgCtx, orgName: string, environments: readonly PublicEnvironment[]): Promise<ScopeChoices> {
  const [agents, members, targets] = await Promise.all([listAgents(ctx, {}, ALL), listMembers(ctx), toolTargets(ctx)]);
  const envName = new Map(environments.map((e) => [e.id, e.name]));
  return {
    org: [{ value: ctx.orgId, label: `${orgName} (this organization)` }],
    env: environments.map((e) => ({ value: e.id, label: `${e.name} (${e.type})` })),
    agent: agents.results.map((a) => ({ value: a.id, label: `${a.name} (${envName.get(a.environment_id) ?? 'environment'})` })),
    tool: targets.map((t) => ({ value: t.toolId, label: `${t.target} (${envName.get(t.environmentId) ?? 'environment'})` })),
    user: members
      .filter((m) => m.status === 'active' && m.user_id)
      .map((m) => ({ value: m.user_id!, label: `${[m.first_name, m.last_name].filter(Boolean).join(' ') || m.email} <${m.email}> · ${m.role}` })),
    role: ROLES.map((r) => ({ value: r, label: r })),
  };
}

/** Who the evaluate panel can ask about: the agents of one environment, the members, the roles. */
export async function subjectChoices(ctx: OrgCtx, environmentId: string | null): Promise<{ agents: Option[]; members: Option[]; roles: Option[] }> {
  const [agents, members] = await Promise.all([
    environmentId ? listAgents(ctx, { environment_id: environmentId }, ALL) : Promise.resolve({ results: [] }),
    listMembers(ctx),
  ]);
  return {
    agents: agents.results.map((a) => ({ value: `agent:${a.id}`, label: a.enabled ? a.name : `${a.name} (disabled)` })),
    members: members
      .filter((m) => m.status === 'active' && m.user_id)
      .map((m) => ({ value: `user:${m.user_id}`, label: `${[m.first_name, m.last_name].filter(Boolean).join(' ') || m.email} (${m.role})` })),
    roles: ROLES.map((r) => ({ value: `role:${r}`, label: `Any ${r}` })),
  };
}

/** Names of the things bindings point at, for the bindings table. */
export function scopeLabel(choices: ScopeChoices, scopeType: string, scopeId: string): string | null {
  const options = choices[scopeType as keyof ScopeChoices];
  return options?.find((o) => o.value === scopeId)?.label ?? null;
}
