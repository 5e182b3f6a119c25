import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listMcpServers } from '@/lib/mcp-servers/service';
import { getEnvironment } from '@/lib/tenancy/environments';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';
import { secretOptions } from '../../agents/choices';
import { createConnectionAction } from '../actions';
import { CreateConnectionForm } from '../connection-forms';

export const metadata: Metadata = { title: 'Add connection' };

const REGISTRATION_LIMIT = 200;

export default async function NewConnectionPage({ params }: { params: Promise<{ org_id: string }> }) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const base = `/orgs/${ctx.orgId}/connections`;
  const envId = await selectedEnvironmentId(ctx);
  if (!envId) redirect(base);
  const environment = await getEnvironment(ctx, envId);
  const canManage = can(ctx.role, 'connection.manage');
  // Attaching credentials is an admin's call (connection.endpoint), like listing the secrets.
  const secrets = can(ctx.role, 'connection.endpoint') ? await secretOptions(ctx) : null;
  // The environment's registered servers a connection may go through instead of a URL.
  const { results: servers } = await listMcpServers(ctx, { environment_id: environment.id }, { page: 1, pageSize: REGISTRATION_LIMIT, offset: 0 });
  const registrations = servers.map((s) => ({
    value: s.id,
    label: `${s.name} · ${s.server_type}${s.enabled ? '' : ' (disabled)'}${s.health_status === 'unhealthy' ? ' (unhealthy at its last check)' : ''}`,
  }));

  return (
    <div className="space-y-8">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Connections
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Add connection</h1>
      </div>
      <section aria-labelledby="new-connection-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="new-connection-heading" className="mb-4 flex items-center gap-2 text-base font-semibold">
          New connection in {environment.name} <EnvironmentTypeBadge type={environment.type} />
        </h2>
        {canManage ? (
          <CreateConnectionForm
            action={createConnectionAction.bind(null, ctx.orgId)}
            environmentId={environment.id}
            registrations={registrations}
            registerHref={can(ctx.role, 'mcp_server.manage') ? `/orgs/${ctx.orgId}/mcp-servers/new` : null}
            secrets={secrets}
            secretsHref={`/orgs/${ctx.orgId}/secrets`}
          />
        ) : (
          <p className="text-sm text-slate-600">Members, admins and owners can add connections; viewers cannot.</p>
        )}
      </section>
    </div>
  );
}
