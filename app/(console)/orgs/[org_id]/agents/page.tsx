import type { Metadata } from 'next';
import { NoEnvironmentNotice } from '@/components/console/no-environment';
import Link from 'next/link';
import { EnabledBadge, ModeBadge, Tag } from '@/components/agents/badges';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { listAgents } from '@/lib/agents/service';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getEnvironment } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';

export const metadata: Metadata = { title: 'Agents' };

const PAGE_SIZE = 50;

const primaryLink = 'inline-flex items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700';
const secondaryLink = 'inline-flex items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100';

export default async function AgentsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const envId = await selectedEnvironmentId(ctx);
  const canManage = can(ctx.role, 'agent.manage');
  const canIssue = can(ctx.role, 'token.manage');
  const base = `/orgs/${org.id}/agents`;

  const intro = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Agents</h1>
      <p className="text-sm text-slate-600">
        An agent is an AI client that calls tools through AgentxSuite with a token of its own, so every call is
        authenticated, checked against policies and audited. Agents live in one environment each.
      </p>
    </div>
  );

  if (!envId) {
    return (
      <div className="space-y-8">
        {intro}
        <NoEnvironmentNotice org={org} things="agents" canCreate={can(ctx.role, 'env.manage')} testId="agents-no-environment" />
      </div>
    );
  }

  const environment = await getEnvironment(ctx, envId);
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const { total, results } = await listAgents(ctx, { environment_id: envId }, page);
  const actions = (
    <div className="flex flex-wrap gap-3">
      {canManage && (
        <Link href={`${base}/new`} className={primaryLink}>
          Create agent
        </Link>
      )}
      {canIssue && (
        <Link href={`${base}/axcore`} className={secondaryLink}>
          Create with defaults (AxCore)
        </Link>
      )}
    </div>
  );

  return (
    <div className="space-y-8">
      {intro}
      <section aria-labelledby="agent-list-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="agent-list-heading" className="flex items-center gap-2 text-base font-semibold">
            In {environment.name} <EnvironmentTypeBadge type={environment.type} />
          </h2>
          {total > 0 && actions}
        </div>
        {total === 0 ? (
          <div className="space-y-3 text-sm text-slate-600" data-testid="agents-empty">
            <p>
              No agents in {environment.name} yet. Create one to give an AI client its own identity here: it gets tokens you
              can revoke, a kill switch, and policies decide which tools it may call.
            </p>
            {canManage ? actions : <p>Members, admins and owners can create agents.</p>}
          </div>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Agents">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Slug</th>
                <th scope="col" className="py-2 pr-3 font-medium">Mode</th>
                <th scope="col" className="py-2 pr-3 font-medium">Inbound auth</th>
                <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                <th scope="col" className="py-2 font-medium">Tags</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {results.map((a) => (
                <tr key={a.id} data-testid="agent-row" className="align-top">
                  <td className="py-3 pr-3">
                    <Link href={`${base}/${a.id}`} className="font-medium text-brand-600 hover:underline">
                      {a.name}
                    </Link>
                    {a.description && <div className="line-clamp-1 text-xs text-slate-500">{a.description}</div>}
                  </td>
                  <td className="py-3 pr-3 font-mono text-xs">{a.slug}</td>
                  <td className="py-3 pr-3">
                    <ModeBadge mode={a.mode} />
                  </td>
                  <td className="py-3 pr-3 text-xs">{a.inbound_auth_method}</td>
                  <td className="py-3 pr-3">
                    <EnabledBadge enabled={a.enabled} />
                  </td>
                  <td className="py-3">
                    <div className="flex flex-wrap gap-1">
                      {a.tags.map((t) => (
                        <Tag key={t}>{t}</Tag>
                      ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager path={base} page={page.page} pageSize={PAGE_SIZE} total={total} />
      </section>
    </div>
  );
}
