import type { Metadata } from 'next';
import { NoEnvironmentNotice } from '@/components/console/no-environment';
import Link from 'next/link';
import { EnabledBadge } from '@/components/agents/badges';
import { ConnectionStatusBadge, TransportLabel } from '@/components/connections/badges';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listConnections } from '@/lib/connections/service';
import { listTools } from '@/lib/tools/service';
import { getEnvironment } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';

export const metadata: Metadata = { title: 'Connections' };

const PAGE_SIZE = 50;

const primaryLink = 'inline-flex items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700';

export default async function ConnectionsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const envId = await selectedEnvironmentId(ctx);
  const canManage = can(ctx.role, 'connection.manage');
  const base = `/orgs/${org.id}/connections`;

  const intro = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Connections</h1>
      <p className="text-sm text-slate-600">
        A connection is an upstream MCP server the gateway reaches on your agents&apos; behalf: its URL, transport and
        credentials. Test it to see who answers, then sync it to import its tools — agents only ever call tools through
        the gateway, which checks policies and audits every call.
      </p>
    </div>
  );

  if (!envId) {
    return (
      <div className="space-y-8">
        {intro}
        <NoEnvironmentNotice org={org} things="connections" canCreate={can(ctx.role, 'env.manage')} testId="connections-no-environment" />
      </div>
    );
  }

  const environment = await getEnvironment(ctx, envId);
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const { total, results } = await listConnections(ctx, { environment_id: envId }, page);
  // One count per listed connection (at most PAGE_SIZE, each on an index).
  const toolCounts = await Promise.all(
    results.map((c) => listTools(ctx, { connection_id: c.id }, { page: 1, pageSize: 1, offset: 0 }).then((r) => r.total)),
  );
  const addLink = canManage && (
    <Link href={`${base}/new`} className={primaryLink}>
      Add connection
    </Link>
  );

  return (
    <div className="space-y-8">
      {intro}
      <section aria-labelledby="connection-list-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="connection-list-heading" className="flex items-center gap-2 text-base font-semibold">
            In {environment.name} <EnvironmentTypeBadge type={environment.type} />
          </h2>
          {total > 0 && addLink}
        </div>
        {total === 0 ? (
          <div className="space-y-3 text-sm text-slate-600" data-testid="connections-empty">
            <p>
              No connections in {environment.name} yet. Add one for each MCP server your agents should use — a URL such as{' '}
              <code className="font-mono text-xs">https://mcp.example.com/mcp</code>, optionally with a bearer token kept as a
              secret. The gateway tests it, imports its tools, and holds back any tool the server later redefines until an
              admin approves the change.
            </p>
            {addLink || <p>Members, admins and owners can add connections.</p>}
          </div>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Connections">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Endpoint</th>
                <th scope="col" className="py-2 pr-3 font-medium">Transport</th>
                <th scope="col" className="py-2 pr-3 font-medium">Enabled</th>
                <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                <th scope="col" className="py-2 font-medium">Tools</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {results.map((c, i) => (
                <tr key={c.id} data-testid="connection-row" className="align-top">
                  <td className="py-3 pr-3">
                    <Link href={`${base}/${c.id}`} className="font-medium text-brand-600 hover:underline">
                      {c.name}
                    </Link>
                  </td>
                  <td className="max-w-xs truncate py-3 pr-3 font-mono text-xs" title={c.endpoint ?? undefined}>
                    {c.endpoint ?? (c.mcp_server_registration_id ? 'registered MCP server' : '—')}
                  </td>
                  <td className="py-3 pr-3">
                    <TransportLabel transport={c.transport} />
                  </td>
                  <td className="py-3 pr-3">
                    <EnabledBadge enabled={c.enabled} />
                  </td>
                  <td className="py-3 pr-3">
                    <ConnectionStatusBadge status={c.status} lastSeenAt={c.last_seen_at} />
                  </td>
                  <td className="py-3">
                    <Link href={`/orgs/${org.id}/tools?connection_id=${c.id}`} className="text-brand-600 hover:underline">
                      {toolCounts[i]}
                    </Link>
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
