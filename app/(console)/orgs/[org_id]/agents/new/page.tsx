import type { Metadata } from 'next';
import Link from 'next/link';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getEnvironment } from '@/lib/tenancy/environments';
import type { OrgCtx } from '@/lib/tenancy/access';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { createAgentAction } from '../actions';
import { CreateAgentForm } from '../agent-forms';
import { connectionOptions, secretOptions } from '../choices';

export const metadata: Metadata = { title: 'Create agent' };

export default async function NewAgentPage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const base = `/orgs/${ctx.orgId}/agents`;
  const envId = await selectedEnvironmentId(ctx);
  return (
    <div className="max-w-3xl space-y-6">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Agents
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Create agent</h1>
      </div>
      {!can(ctx.role, 'agent.manage') ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600">Members, admins and owners can create agents.</p>
      ) : !envId ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600" data-testid="agents-no-environment">
          This organization has no environment yet, and agents live in one.{' '}
          <Link href={`/orgs/${ctx.orgId}/environments`} className="font-medium text-brand-600 hover:underline">
            Go to Environments
          </Link>
          .
        </p>
      ) : (
        <NewAgentSection ctx={ctx} envId={envId} />
      )}
    </div>
  );
}

async function NewAgentSection({ ctx, envId }: { ctx: OrgCtx; envId: string }) {
  const [environment, secrets, connections] = await Promise.all([getEnvironment(ctx, envId), secretOptions(ctx), connectionOptions(ctx, envId)]);
  return (
    <section aria-labelledby="create-agent-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
      <h2 id="create-agent-heading" className="flex flex-wrap items-center gap-2 text-base font-semibold">
        New agent in {environment.name} <EnvironmentTypeBadge type={environment.type} />
      </h2>
      <p className="text-sm text-slate-600">The environment chosen in the header; switch it there to create the agent elsewhere.</p>
      <CreateAgentForm
        action={createAgentAction.bind(null, ctx.orgId)}
        environmentId={envId}
        secrets={secrets}
        connections={connections}
        secretsHref={`/orgs/${ctx.orgId}/secrets`}
      />
    </section>
  );
}
