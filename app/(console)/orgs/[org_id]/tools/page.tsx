import type { Metadata } from 'next';
import Link from 'next/link';
import { EnabledBadge } from '@/components/agents/badges';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { SyncStatusBadge, syncStatusLabel } from '@/components/tools/badges';
import { TOOL_SYNC_STATUSES } from '@/db/schema';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listConnections } from '@/lib/connections/service';
import { listTools } from '@/lib/tools/service';
import { isUuid } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import { getOrganization } from '@/lib/tenancy/organizations';
import { selectedEnvironmentId } from '@/lib/tenancy/selected-environment';

export const metadata: Metadata = { title: 'Tools' };

const PAGE_SIZE = 100;
const CONNECTION_LIMIT = 200;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const control = 'block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600';

export default async function ToolsPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string }>;
  searchParams: Promise<{ page?: string | string[]; connection_id?: string | string[]; sync_status?: string | string[] }>;
}) {
  const ctx = await pageOrgCtx((await params).org_id, 'org.read');
  const org = await getOrganization(ctx);
  const envId = await selectedEnvironmentId(ctx);
  const base = `/orgs/${org.id}/tools`;

  const intro = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Tools</h1>
      <p className="text-sm text-slate-600">
        Tools come from syncing connections. Agents can call an enabled, synced tool when a policy allows it; a tool whose
        definition changed upstream waits in <em>pending review</em> until an admin approves the change.
      </p>
    </div>
  );
  if (!envId) {
    return (
      <div className="space-y-8">
        {intro}
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-600" data-testid="tools-no-environment">
          {org.name} has no environment yet.{' '}
          <Link href={`/orgs/${org.id}/environments`} className="font-medium text-brand-600 hover:underline">
            See environments
          </Link>
        </p>
      </div>
    );
  }

  const search = await searchParams;
  const connectionId = first(search.connection_id);
  const syncStatus = first(search.sync_status);
  const filters = {
    environment_id: envId,
    ...(isUuid(connectionId) ? { connection_id: connectionId } : {}),
    ...((TOOL_SYNC_STATUSES as readonly string[]).includes(syncStatus ?? '') ? { sync_status: syncStatus as (typeof TOOL_SYNC_STATUSES)[number] } : {}),
  };
  const page = pageFromSearch(search.page, PAGE_SIZE);
  const [environment, connections, tools] = await Promise.all([
    getEnvironment(ctx, envId),
    listConnections(ctx, { environment_id: envId }, { page: 1, pageSize: CONNECTION_LIMIT, offset: 0 }),
    listTools(ctx, filters, page),
  ]);
  const connectionNames = new Map(connections.results.map((c) => [c.id, c.name]));
  const filtered = 'connection_id' in filters || 'sync_status' in filters;

  return (
    <div className="space-y-8">
      {intro}
      <section aria-labelledby="tool-list-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="tool-list-heading" className="flex items-center gap-2 text-base font-semibold">
          In {environment.name} <EnvironmentTypeBadge type={environment.type} />
        </h2>
        <form method="get" action={base} className="flex flex-wrap items-end gap-3" aria-label="Filter tools">
          <div className="space-y-1">
            <label htmlFor="tools-filter-connection" className="block text-sm font-medium text-slate-700">
              Connection
            </label>
            <select id="tools-filter-connection" name="connection_id" defaultValue={filters.connection_id ?? ''} className={control}>
              <option value="">All connections</option>
              {connections.results.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="space-y-1">
            <label htmlFor="tools-filter-status" className="block text-sm font-medium text-slate-700">
              Sync status
            </label>
            <select id="tools-filter-status" name="sync_status" defaultValue={filters.sync_status ?? ''} className={control}>
              <option value="">Any status</option>
              {TOOL_SYNC_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {syncStatusLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-100">
            Filter
          </button>
          {filtered && (
            <Link href={base} className="py-2 text-sm text-brand-600 hover:underline">
              Clear filters
            </Link>
          )}
        </form>
        {tools.total === 0 ? (
          <p className="text-sm text-slate-600" data-testid="tools-empty">
            {filtered ? (
              'No tools match these filters.'
            ) : (
              <>
                No tools in {environment.name} yet.{' '}
                <Link href={`/orgs/${org.id}/connections`} className="font-medium text-brand-600 hover:underline">
                  Sync a connection
                </Link>{' '}
                to import its tools.
              </>
            )}
          </p>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Tools">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Connection</th>
                <th scope="col" className="py-2 pr-3 font-medium">Version</th>
                <th scope="col" className="py-2 pr-3 font-medium">Sync status</th>
                <th scope="col" className="py-2 font-medium">Enabled</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tools.results.map((t) => (
                <tr key={t.id} data-testid="tool-row" className="align-top">
                  <td className="py-3 pr-3">
                    <Link href={`${base}/${t.id}`} className="font-medium text-brand-600 hover:underline">
                      {t.name}
                    </Link>
                    {t.description && <div className="line-clamp-1 text-xs text-slate-500">{t.description}</div>}
                  </td>
                  <td className="py-3 pr-3">
                    <Link href={`/orgs/${org.id}/connections/${t.connection_id}`} className="hover:underline">
                      {connectionNames.get(t.connection_id) ?? 'connection'}
                    </Link>
                  </td>
                  <td className="py-3 pr-3 font-mono text-xs">{t.version}</td>
                  <td className="py-3 pr-3">
                    <SyncStatusBadge status={t.sync_status} />
                  </td>
                  <td className="py-3">
                    <EnabledBadge enabled={t.enabled} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {/* The pager keeps page numbers only: with filters set, narrow them rather than page. */}
        {!filtered && <Pager path={base} page={page.page} pageSize={PAGE_SIZE} total={tools.total} />}
        {filtered && tools.total > PAGE_SIZE && (
          <p className="text-xs text-slate-500">Showing the first {PAGE_SIZE} of {tools.total}; narrow the filters to see the rest.</p>
        )}
        {!can(ctx.role, 'tool.manage') && <p className="text-xs text-slate-500">Viewers see tools; members and above switch them on and off.</p>}
      </section>
    </div>
  );
}
