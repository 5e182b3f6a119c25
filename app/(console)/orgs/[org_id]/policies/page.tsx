import type { Metadata } from 'next';
import Link from 'next/link';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { ActiveBadge } from '@/components/policies/badges';
import { PolicyModelNote } from '@/components/policies/model-note';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listPolicies } from '@/lib/policy/service';
import { environmentsOf } from './choices';

export const metadata: Metadata = { title: 'Policies' };

const PAGE_SIZE = 50;

const primaryLink = 'inline-flex items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700';
const secondaryLink = 'inline-flex items-center rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100';

export default async function PoliciesPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const canManage = can(ctx.role, 'policy.manage');
  const base = `/orgs/${ctx.orgId}/policies`;
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const [{ total, results }, environments] = await Promise.all([listPolicies(ctx, {}, page), environmentsOf(ctx)]);
  const envName = new Map(environments.map((e) => [e.id, e.name]));

  const actions = (
    <div className="flex flex-wrap gap-3">
      {canManage && (
        <Link href={`${base}/new`} className={primaryLink}>
          New policy
        </Link>
      )}
      <Link href={`${base}/evaluate`} className={secondaryLink}>
        Evaluate a request
      </Link>
    </div>
  );

  return (
    <div className="space-y-8">
      <div className="space-y-3">
        <h1 className="text-2xl font-semibold tracking-tight">Policies</h1>
        <p className="text-sm text-slate-600">
          Policies decide what agents and members may do through the gateway: which tools they may call, which resources
          they may read. Every request is checked against them and the decision is audited with its reason.
        </p>
        <PolicyModelNote />
      </div>
      <section aria-labelledby="policy-list-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="policy-list-heading" className="text-base font-semibold">
            All policies
          </h2>
          {actions}
        </div>
        {total === 0 ? (
          <div className="space-y-3 text-sm text-slate-600" data-testid="policies-empty">
            <p>
              No policies yet, so every request is denied: nothing explicitly allows it. Create a policy that allows the
              tools your agents need — for example <code className="font-mono text-xs">echo</code> or{' '}
              <code className="font-mono text-xs">github/*</code> — organization-wide or for one environment.
            </p>
            {!canManage && <p>Admins and owners create and change policies; everyone can evaluate requests.</p>}
          </div>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Policies">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Scope</th>
                <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                <th scope="col" className="py-2 pr-3 font-medium">Version</th>
                <th scope="col" className="py-2 pr-3 font-medium">Rules</th>
                <th scope="col" className="py-2 font-medium">Bindings</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {results.map((p) => {
                const shortForm = (p.rules_json.allow?.length ?? 0) + (p.rules_json.deny?.length ?? 0);
                return (
                  <tr key={p.id} data-testid="policy-row" className="align-top">
                    <td className="py-3 pr-3">
                      <Link href={`${base}/${p.id}`} className="font-medium text-brand-600 hover:underline">
                        {p.name}
                      </Link>
                      {p.description && <div className="line-clamp-1 text-xs text-slate-500">{p.description}</div>}
                    </td>
                    <td className="py-3 pr-3" data-testid="policy-scope">
                      {p.environment_id ? (envName.get(p.environment_id) ?? 'an environment') : 'Organization-wide'}
                    </td>
                    <td className="py-3 pr-3">
                      <ActiveBadge active={p.is_active} />
                    </td>
                    <td className="py-3 pr-3">v{p.version}</td>
                    <td className="py-3 pr-3" data-testid="policy-rule-count">
                      {p.rules.length}
                      {shortForm > 0 && <span className="text-xs text-slate-500"> + {shortForm} short-form</span>}
                    </td>
                    <td className="py-3" data-testid="policy-binding-count">
                      {p.bindings.length || <span className="text-xs text-slate-500">none — applies to its whole scope</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <Pager path={base} page={page.page} pageSize={PAGE_SIZE} total={total} />
      </section>
    </div>
  );
}
