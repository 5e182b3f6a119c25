import type { Metadata } from 'next';
import Link from 'next/link';
import { EnabledBadge } from '@/components/agents/badges';
import { EnabledSwitch } from '@/components/agents/enabled-switch';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { listAgents } from '@/lib/agents/service';
import { listServiceAccounts, type PublicServiceAccount } from '@/lib/agents/service-accounts';
import { AGENT_JWT_AUDIENCE, agentJwtIssuer } from '@/lib/auth/agent-jwt';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listEnvironments } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { secretOptions } from '../agents/choices';
import {
  createServiceAccountAction,
  deleteServiceAccountAction,
  setServiceAccountEnabledAction,
  updateServiceAccountAction,
} from './actions';
import { CreateServiceAccountForm, EditServiceAccountForm, type ServiceAccountValues } from './service-account-forms';

export const metadata: Metadata = { title: 'Service accounts' };

const PAGE_SIZE = 50;
const ALL = { page: 1, pageSize: 200, offset: 0 };

const toValues = (s: PublicServiceAccount): ServiceAccountValues => ({
  name: s.name,
  subject: s.subject,
  issuer: s.issuer,
  audience: s.audience,
  environment_id: s.environment_id ?? '',
  credential_ref: s.credential_ref ?? '',
  scope_allowlist: s.scope_allowlist,
});

export default async function ServiceAccountsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const canManage = can(ctx.role, 'service_account.manage');
  const [{ total, results }, { results: environments }, { results: agents }] = await Promise.all([
    listServiceAccounts(ctx, page),
    listEnvironments(ctx, ALL),
    listAgents(ctx, {}, ALL),
  ]);
  const envName = new Map(environments.map((e) => [e.id, e.name]));
  const agentOf = new Map(agents.filter((a) => a.service_account_id).map((a) => [a.service_account_id!, a]));
  const choices = {
    environments: environments.map((e) => ({ value: e.id, label: `${e.name} (${e.type})` })),
    secrets: canManage ? await secretOptions(ctx) : null,
    secretsHref: `/orgs/${org.id}/secrets`,
    platformIssuer: agentJwtIssuer(),
    platformAudience: AGENT_JWT_AUDIENCE,
  };
  const update = updateServiceAccountAction.bind(null, org.id);
  const toggle = setServiceAccountEnabledAction.bind(null, org.id);
  const remove = deleteServiceAccountAction.bind(null, org.id);

  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Service accounts</h1>
        <p className="text-sm text-slate-600">
          Of {org.name}. A service account is the external identity of a workload (the subject and issuer of the token it
          presents) that an agent authenticates with. Its scope allowlist limits what tokens issued for that agent may do.
        </p>
      </div>

      {canManage ? (
        <section aria-labelledby="create-sa-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="create-sa-heading" className="mb-4 text-base font-semibold">
            Create service account
          </h2>
          <CreateServiceAccountForm action={createServiceAccountAction.bind(null, org.id)} {...choices} />
        </section>
      ) : (
        <p className="text-sm text-slate-600">Only admins and owners create and change service accounts.</p>
      )}

      <section aria-labelledby="sa-list-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="sa-list-heading" className="text-base font-semibold">
          All service accounts
        </h2>
        {total === 0 ? (
          <p className="mt-2 text-sm text-slate-600" data-testid="service-accounts-empty">
            No service accounts yet. {canManage ? 'Create one above, or' : 'An admin can create one, or'} create an agent with
            defaults (AxCore), which makes one for it.
          </p>
        ) : (
          <ul className="mt-3 divide-y divide-slate-100" aria-label="Service accounts">
            {results.map((s) => {
              const agent = agentOf.get(s.id);
              return (
                <li key={s.id} className="space-y-3 py-4" data-testid="service-account-row">
                  <div className="flex flex-wrap items-center gap-3">
                    <span className="font-medium">{s.name}</span>
                    <EnabledBadge enabled={s.enabled} />
                    <span className="text-xs text-slate-500">{s.environment_id ? `in ${envName.get(s.environment_id) ?? s.environment_id}` : 'all environments'}</span>
                  </div>
                  <dl className="grid gap-x-4 gap-y-1 text-xs text-slate-700 sm:grid-cols-[8rem_1fr]">
                    <dt className="font-medium text-slate-500">Subject</dt>
                    <dd className="font-mono break-all">{s.subject}</dd>
                    <dt className="font-medium text-slate-500">Issuer</dt>
                    <dd className="font-mono break-all">{s.issuer}</dd>
                    <dt className="font-medium text-slate-500">Audience</dt>
                    <dd className="font-mono">{s.audience}</dd>
                    <dt className="font-medium text-slate-500">Scopes allowed</dt>
                    <dd>{s.scope_allowlist.length ? s.scope_allowlist.join(', ') : 'any'}</dd>
                    <dt className="font-medium text-slate-500">Credential</dt>
                    <dd className="font-mono">{s.credential_ref ?? <span className="font-sans text-slate-400">none</span>}</dd>
                    <dt className="font-medium text-slate-500">Agent</dt>
                    <dd>
                      {agent ? (
                        <Link href={`/orgs/${org.id}/agents/${agent.id}`} className="text-brand-600 hover:underline">
                          {agent.name}
                        </Link>
                      ) : (
                        <span className="text-slate-400">none</span>
                      )}
                    </dd>
                  </dl>
                  {canManage && (
                    <div className="flex flex-wrap items-start gap-4">
                      <EnabledSwitch
                        action={toggle}
                        enabled={s.enabled}
                        label={`Service account ${s.name} enabled`}
                        hidden={{ service_account_id: s.id }}
                      />
                      <EditServiceAccountForm action={update} id={s.id} values={toValues(s)} {...choices} />
                      <ConfirmDelete
                        action={remove}
                        hidden={{ service_account_id: s.id }}
                        name={s.name}
                        what="service account"
                        idPrefix={`sa-${s.id}-delete`}
                        consequence="Its agent keeps working with platform tokens; the external identity can no longer speak for it."
                      />
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <Pager path={`/orgs/${org.id}/service-accounts`} page={page.page} pageSize={PAGE_SIZE} total={total} />
      </section>
    </div>
  );
}
