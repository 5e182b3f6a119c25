import type { Metadata } from 'next';
import Link from 'next/link';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getEnvironment } from '@/lib/tenancy/environments';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { createAxcoreAction } from '../actions';
import { AxcoreForm } from '../agent-forms';
import { tokenLifetimes } from '../choices';

export const metadata: Metadata = { title: 'Create agent with defaults' };

export default async function AxcorePage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const base = `/orgs/${ctx.orgId}/agents`;
  const envId = await selectedEnvironmentId(ctx);
  const environment = envId ? await getEnvironment(ctx, envId) : null;
  const lifetimes = tokenLifetimes();
  return (
    <div className="max-w-3xl space-y-6">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Agents
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Create with defaults (AxCore)</h1>
        <p className="mt-1 text-sm text-slate-600">
          Everything an agent needs in one step, all or nothing: the agent, a service account for it, a policy bound to it
          that has no rules yet (so it denies everything until you allow tools), and its first token — shown once.
        </p>
      </div>
      {!can(ctx.role, 'token.manage') ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">
          This issues a token, so only admins and owners can use it. Members can{' '}
          <Link href={`${base}/new`} className="font-medium text-brand-600 hover:underline">
            create a plain agent
          </Link>
          .
        </p>
      ) : !environment ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600" data-testid="agents-no-environment">
          This organization has no environment yet, and agents live in one.{' '}
          <Link href={`/orgs/${ctx.orgId}/environments`} className="font-medium text-brand-600 hover:underline">
            Go to Environments
          </Link>
          .
        </p>
      ) : (
        <section aria-labelledby="axcore-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="axcore-heading" className="flex flex-wrap items-center gap-2 text-base font-semibold">
            New agent in {environment.name} <EnvironmentTypeBadge type={environment.type} />
          </h2>
          <AxcoreForm
            action={createAxcoreAction.bind(null, ctx.orgId)}
            environmentId={environment.id}
            orgId={ctx.orgId}
            lifetimes={lifetimes.options}
            defaultLifetime={lifetimes.defaultValue}
          />
        </section>
      )}
    </div>
  );
}
