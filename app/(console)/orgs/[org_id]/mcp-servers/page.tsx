import type { Metadata } from 'next';
import Link from 'next/link';
import { EnabledBadge } from '@/components/agents/badges';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { NoEnvironmentNotice } from '@/components/console/no-environment';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { HealthBadge, ServerTypeLabel, serverTarget } from '@/components/mcp-servers/badges';
import { CheckedAt } from '@/components/mcp-servers/checked-at';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listMcpServers } from '@/lib/mcp-servers/service';
import { getEnvironment } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';

export const metadata: Metadata = { title: 'MCP servers' };

const PAGE_SIZE = 50;

const primaryLink = 'inline-flex items-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700';

export default async function McpServersPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const envId = await selectedEnvironmentId(ctx);
  const canManage = can(ctx.role, 'mcp_server.manage');
  const base = `/orgs/${org.id}/mcp-servers`;

  const intro = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">MCP servers</h1>
      <p className="text-sm text-slate-600">
        The registry of upstream MCP servers: a command the gateway runs on its own machine over stdio, or a server it reaches
        by http or WebSocket URL. Register a server once, check its health, then create connections through it — the
        connection takes the registration&apos;s command or URL and credentials, and its tools are synced like any other.
      </p>
    </div>
  );

  if (!envId) {
    return (
      <div className="space-y-8">
        {intro}
        <NoEnvironmentNotice org={org} things="MCP servers" canCreate={can(ctx.role, 'env.manage')} testId="mcp-servers-no-environment" />
      </div>
    );
  }

  const environment = await getEnvironment(ctx, envId);
  const page = pageFromSearch((await searchParams).page, PAGE_SIZE);
  const { total, results } = await listMcpServers(ctx, { environment_id: envId }, page);
  const registerLink = canManage && (
    <Link href={`${base}/new`} className={primaryLink}>
      Register MCP server
    </Link>
  );

  return (
    <div className="space-y-8">
      {intro}
      <section aria-labelledby="mcp-server-list-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="mcp-server-list-heading" className="flex items-center gap-2 text-base font-semibold">
            In {environment.name} <EnvironmentTypeBadge type={environment.type} />
          </h2>
          {total > 0 && registerLink}
        </div>
        {total === 0 ? (
          <div className="space-y-3 text-sm text-slate-600" data-testid="mcp-servers-empty">
            <p>
              No MCP servers registered in {environment.name} yet. Register one for each server your connections should reach
              through the registry — a command such as <code className="font-mono text-xs">mcp-server-everything</code> run
              over stdio (only commands the operator allows in MCP_STDIO_ALLOWED_COMMANDS), or an http/ws URL such as{' '}
              <code className="font-mono text-xs">https://mcp.example.com/mcp</code>. The gateway checks that each one answers
              and records its health.
            </p>
            {registerLink || <p>Admins and owners register MCP servers.</p>}
          </div>
        ) : (
          <table className="w-full text-left text-sm" aria-label="MCP servers">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Type</th>
                <th scope="col" className="py-2 pr-3 font-medium">Command or endpoint</th>
                <th scope="col" className="py-2 pr-3 font-medium">Enabled</th>
                <th scope="col" className="py-2 font-medium">Health</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {results.map((s) => (
                <tr key={s.id} data-testid="mcp-server-row" className="align-top">
                  <td className="py-3 pr-3">
                    <Link href={`${base}/${s.id}`} className="font-medium text-brand-600 hover:underline">
                      {s.name}
                    </Link>
                    <div className="font-mono text-xs text-slate-500">{s.slug}</div>
                  </td>
                  <td className="py-3 pr-3">
                    <ServerTypeLabel type={s.server_type} />
                  </td>
                  <td className="max-w-xs truncate py-3 pr-3 font-mono text-xs" title={serverTarget(s)}>
                    {serverTarget(s)}
                  </td>
                  <td className="py-3 pr-3">
                    <EnabledBadge enabled={s.enabled} />
                  </td>
                  <td className="space-y-1 py-3">
                    <HealthBadge status={s.health_status} />
                    <div>
                      <CheckedAt iso={s.last_health_check} />
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
