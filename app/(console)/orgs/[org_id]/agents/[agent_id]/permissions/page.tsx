import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnabledBadge } from '@/components/agents/badges';
import { formatUtc } from '@/components/agents/format';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { DecisionBadge } from '@/components/policies/badges';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { effectivePermissions, type EffectivePermissions, type NamedPermission, type ToolPermission } from '@/lib/policy/evaluate';
import type { OrgCtx } from '@/lib/tenancy/access';

export const metadata: Metadata = { title: 'Effective permissions' };

/** 404 for an agent of another organization or none, exactly like an unknown organization. */
async function permissionsOr404(ctx: OrgCtx, agentId: string): Promise<EffectivePermissions> {
  try {
    return await effectivePermissions(ctx, agentId);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

/** Whether tools/list shows the tool to the agent, and if not, why not. */
function visibility(t: ToolPermission, agentEnabled: boolean): { visible: boolean; why: string | null } {
  if (t.visible) return { visible: true, why: null };
  if (t.decision === 'deny') return { visible: false, why: 'Denied by policy' };
  if (t.not_runnable_reason) return { visible: false, why: t.not_runnable_reason };
  if (!agentEnabled) return { visible: false, why: 'The agent is disabled' };
  return { visible: false, why: null };
}

const th = 'py-2 pr-3 font-medium';

export default async function AgentPermissionsPage({ params }: { params: Promise<{ org_id: string; agent_id: string }> }) {
  const { org_id: orgId, agent_id: agentId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const permissions = await permissionsOr404(ctx, agentId);
  const { agent, environment, summary } = permissions;
  const agentHref = `/orgs/${ctx.orgId}/agents/${agent.id}`;
  const policiesHref = `/orgs/${ctx.orgId}/policies`;
  const evaluateHref = (target: string, action = 'tool.invoke') =>
    `${policiesHref}/evaluate?${new URLSearchParams({ agent_id: agent.id, action, target }).toString()}`;

  return (
    <div className="space-y-8">
      <div>
        <Link href={agentHref} className="text-sm text-brand-600 hover:underline">
          ← {agent.name}
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Effective permissions</h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <span>
            What <strong data-testid="permissions-agent">{agent.name}</strong> may use in {environment.name}
          </span>
          <EnvironmentTypeBadge type={environment.type} />
          <EnabledBadge enabled={agent.enabled} />
        </p>
        <p className="mt-1 text-xs text-slate-500">
          Decided at <time dateTime={permissions.evaluated_at}>{formatUtc(permissions.evaluated_at)}</time> with the current{' '}
          <Link href={policiesHref} className="text-brand-600 hover:underline">
            policies
          </Link>
          .
        </p>
      </div>

      {!agent.enabled && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="permissions-agent-disabled">
          The agent is disabled: every request with its tokens is refused, whatever the policies allow, and it sees no tools.
        </p>
      )}

      <section aria-labelledby="tools-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-baseline justify-between gap-3">
          <h2 id="tools-heading" className="text-base font-semibold">
            Tools
          </h2>
          <p className="text-sm text-slate-600" data-testid="permissions-summary">
            {summary.tools_allowed} of {summary.tools_total} allowed · {summary.tools_visible} visible in tools/list
          </p>
        </div>
        <p className="text-sm text-slate-600">
          A tool shows in the agent&apos;s <code className="font-mono text-xs">tools/list</code> when some policy allows it
          ignoring input conditions, and it can run. <strong>Input conditions are decided at call time</strong>: a tool
          allowed here may still be denied for particular arguments.
        </p>
        {permissions.tools.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="permissions-empty">
            No tools in {environment.name} yet. Add a connection and sync it to import its tools; then this page shows which of
            them the agent may call.{' '}
            <Link href={`/orgs/${ctx.orgId}/connections`} className="font-medium text-brand-600 hover:underline">
              Connections
            </Link>
          </p>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Tool permissions">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className={th}>Tool</th>
                <th scope="col" className={th}>Decision</th>
                <th scope="col" className={th}>In tools/list</th>
                <th scope="col" className="py-2 font-medium">Why</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {permissions.tools.map((t) => {
                const shown = visibility(t, agent.enabled);
                return (
                  <tr key={t.tool_id} data-testid="permission-row" data-target={t.target} className="align-top">
                    <td className="py-3 pr-3">
                      <Link href={`/orgs/${ctx.orgId}/tools/${t.tool_id}`} className="font-medium text-brand-600 hover:underline">
                        {t.name}
                      </Link>
                      <div className="font-mono text-xs text-slate-500" data-testid="permission-target">
                        {t.target}
                        {t.version !== '1.0.0' ? ` · v${t.version}` : ''}
                      </div>
                    </td>
                    <td className="py-3 pr-3">
                      <DecisionBadge decision={t.decision} />
                    </td>
                    <td className="py-3 pr-3" data-testid="permission-visible">
                      {shown.visible ? (
                        <span className="text-emerald-800">visible</span>
                      ) : (
                        <span className="text-slate-700">
                          hidden{shown.why && <span className="block text-xs text-slate-500">{shown.why}</span>}
                        </span>
                      )}
                    </td>
                    <td className="py-3">
                      <p className="font-medium" data-testid="permission-reason">
                        {t.reason}
                      </p>
                      <p className="font-mono text-xs break-words text-slate-600" data-testid="permission-explanation">
                        {t.explanation}
                      </p>
                      <div className="mt-1 flex flex-wrap gap-3 text-xs">
                        {t.matched.policy_id && (
                          <Link href={`${policiesHref}/${t.matched.policy_id}`} className="text-brand-600 hover:underline">
                            Deciding policy
                          </Link>
                        )}
                        <Link href={evaluateHref(t.target)} className="text-brand-600 hover:underline">
                          Evaluate with input…
                        </Link>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      {(permissions.resources.length > 0 || permissions.prompts.length > 0) && (
        <section aria-labelledby="others-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="others-heading" className="text-base font-semibold">
            Resources and prompts
          </h2>
          <p className="text-sm text-slate-600">
            The organization&apos;s own resources and prompts in {environment.name}; those of upstream servers are decided when
            they are listed.
          </p>
          <NamedTable label="Resource permissions" rows={permissions.resources} />
          <NamedTable label="Prompt permissions" rows={permissions.prompts} />
        </section>
      )}
    </div>
  );
}

function NamedTable({ label, rows }: { label: string; rows: NamedPermission[] }) {
  if (!rows.length) return null;
  return (
    <table className="w-full text-left text-sm" aria-label={label}>
      <thead className="text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th scope="col" className={th}>Target</th>
          <th scope="col" className={th}>Decision</th>
          <th scope="col" className="py-2 font-medium">Why</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((r) => (
          <tr key={r.id} className="align-top">
            <td className="py-3 pr-3 font-mono text-xs">
              {r.target}
              {!r.enabled && <span className="block font-sans text-slate-500">disabled</span>}
            </td>
            <td className="py-3 pr-3">
              <DecisionBadge decision={r.decision} />
            </td>
            <td className="py-3">
              <p className="font-medium">{r.reason}</p>
              <p className="font-mono text-xs break-words text-slate-600">{r.explanation}</p>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
