import type { Metadata } from 'next';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listEnvironments } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { createEnvironmentAction, deleteEnvironmentAction, updateEnvironmentAction } from './actions';
import { CreateEnvironmentForm, EditEnvironmentForm } from './environment-forms';

export const metadata: Metadata = { title: 'Environments' };

const PAGE_SIZE = 50;

export default async function EnvironmentsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'env.read');
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const org = await getOrganization(ctx);
  const { total, results } = await listEnvironments(ctx, page);
  const selectedId = await selectedEnvironmentId(ctx);
  const canManage = can(ctx.role, 'env.manage');
  // Every action names the organization again; the server checks it on each call.
  const create = createEnvironmentAction.bind(null, org.id);
  const update = updateEnvironmentAction.bind(null, org.id);
  const remove = deleteEnvironmentAction.bind(null, org.id);
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Environments</h1>
        <p className="text-sm text-slate-600">
          Of {org.name}. Agents, tools, connections and runs live in one environment each.
        </p>
      </div>

      {canManage && (
        <section aria-labelledby="create-env-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="create-env-heading" className="mb-4 text-base font-semibold">
            Create environment
          </h2>
          <CreateEnvironmentForm action={create} />
        </section>
      )}

      <section aria-labelledby="env-list-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="env-list-heading" className="text-base font-semibold">
          All environments
        </h2>
        {total === 0 ? (
          <p className="mt-2 text-sm text-slate-600" data-testid="environments-empty">
            This organization has no environments yet.{' '}
            {canManage ? 'Create the first one above.' : 'An admin or owner can create one.'}
          </p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100" aria-label="Environments">
            {results.map((env) => (
              <li key={env.id} className="py-3" data-testid="environment-row">
                <div className="flex flex-wrap items-center gap-3">
                  <span className="font-medium">{env.name}</span>
                  <EnvironmentTypeBadge type={env.type} />
                  {env.id === selectedId && <span className="text-xs text-slate-500">selected</span>}
                </div>
                {canManage && (
                  <div className="mt-2 flex flex-wrap items-start gap-3">
                    <EditEnvironmentForm env={env} action={update} />
                    <ConfirmDelete
                      action={remove}
                      hidden={{ env_id: env.id }}
                      name={env.name}
                      what="environment"
                      idPrefix={`env-${env.id}`}
                      consequence="This deletes the environment with its agents, tools, connections, policies bound to it and its runs."
                    />
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        <Pager path={`/orgs/${org.id}/environments`} page={page.page} pageSize={PAGE_SIZE} total={total} />
      </section>
    </div>
  );
}
