import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnabledBadge } from '@/components/agents/badges';
import { EnabledSwitch } from '@/components/agents/enabled-switch';
import { ConnectionStatusBadge, TransportLabel } from '@/components/connections/badges';
import { SyncPanel, type SyncProgress } from '@/components/connections/sync-panel';
import { TestConnectionPanel } from '@/components/connections/test-panel';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { Pager, pageFromSearch } from '@/components/console/pager';
import { SyncStatusBadge } from '@/components/tools/badges';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { getConnection, type PublicConnection } from '@/lib/connections/service';
import { listTools } from '@/lib/tools/service';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import { secretOptions } from '../../agents/choices';
import {
  deleteConnectionAction,
  setConnectionEnabledAction,
  syncConnectionAction,
  testConnectionAction,
  updateConnectionAction,
} from '../actions';
import { setToolEnabledAction } from '../../tools/actions';
import { EditConnectionForm } from '../connection-forms';

export const metadata: Metadata = { title: 'Connection' };

const TOOL_PAGE_SIZE = 100;

async function connectionOr404(ctx: OrgCtx, id: string): Promise<PublicConnection> {
  try {
    return await getConnection(ctx, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

export default async function ConnectionPage({
  params,
  searchParams,
}: {
  params: Promise<{ org_id: string; connection_id: string }>;
  searchParams: Promise<{ page?: string | string[] }>;
}) {
  const { org_id: orgId, connection_id: connectionId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const connection = await connectionOr404(ctx, connectionId);
  const environment = await getEnvironment(ctx, connection.environment_id);
  const canManage = can(ctx.role, 'connection.manage');
  const canToggleTools = can(ctx.role, 'tool.manage');
  const isAdmin = can(ctx.role, 'connection.endpoint');
  const page = pageFromSearch((await searchParams).page, TOOL_PAGE_SIZE);
  const tools = await listTools(ctx, { connection_id: connection.id }, page);
  const base = `/orgs/${ctx.orgId}/connections`;
  const detail = connection.status_detail as { sync?: SyncProgress; error?: string; server_info?: { name: string; version: string } | null };
  const toggleTool = setToolEnabledAction.bind(null, ctx.orgId);

  return (
    <div className="space-y-8">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← Connections
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight" data-testid="connection-name">
          {connection.name}
        </h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <code className="font-mono text-xs">{connection.endpoint ?? 'registered MCP server'}</code>
          <TransportLabel transport={connection.transport} />
          <EnabledBadge enabled={connection.enabled} />
          <ConnectionStatusBadge status={connection.status} lastSeenAt={connection.last_seen_at} />
          <span>in {environment.name}</span>
          <EnvironmentTypeBadge type={environment.type} />
        </p>
        <p className="mt-1 text-xs text-slate-500">
          id <code className="font-mono">{connection.id}</code> · authentication {connection.auth_method}
          {connection.secret_ref && <> (secret {connection.secret_ref.slice(0, 8)}…)</>}
        </p>
        {connection.status === 'error' && detail.error && (
          <p className="mt-2 text-sm text-red-700" data-testid="connection-last-error">
            Last error: {detail.error}
          </p>
        )}
      </div>

      <section aria-labelledby="check-heading" className="grid gap-6 rounded-lg border border-slate-200 bg-white p-6 md:grid-cols-2">
        <h2 id="check-heading" className="sr-only">
          Test and sync
        </h2>
        <div className="space-y-2">
          <h3 className="text-base font-semibold">Test</h3>
          <p className="text-sm text-slate-600">Opens an MCP session: server name and version, protocol, capabilities and latency.</p>
          {canManage ? (
            <TestConnectionPanel action={testConnectionAction.bind(null, ctx.orgId)} connectionId={connection.id} disabled={!connection.enabled} />
          ) : (
            <p className="text-sm text-slate-600">Members, admins and owners can test connections.</p>
          )}
        </div>
        <div className="space-y-2">
          <h3 className="text-base font-semibold">Sync tools</h3>
          <p className="text-sm text-slate-600">
            Imports every tool the server offers. New tools are trusted on first sight; a tool whose definition changed waits
            for an admin&apos;s approval; tools gone upstream become stale.
          </p>
          {canManage ? (
            <SyncPanel
              action={syncConnectionAction.bind(null, ctx.orgId)}
              orgId={ctx.orgId}
              connectionId={connection.id}
              last={detail.sync ?? null}
              disabled={!connection.enabled}
            />
          ) : (
            <p className="text-sm text-slate-600">Members, admins and owners can sync connections.</p>
          )}
        </div>
        {!connection.enabled && <p className="text-sm text-amber-800 md:col-span-2">The connection is disabled: enable it to test or sync it.</p>}
      </section>

      <section aria-labelledby="tools-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="tools-heading" className="text-base font-semibold">
          Tools ({tools.total})
        </h2>
        {tools.total === 0 ? (
          <p className="text-sm text-slate-600" data-testid="connection-tools-empty">
            No tools yet: sync the connection to import them.
          </p>
        ) : (
          <table className="w-full text-left text-sm" aria-label="Synced tools">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                <th scope="col" className="py-2 font-medium">Enabled</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tools.results.map((t) => (
                <tr key={t.id} data-testid="tool-row" className="align-top">
                  <td className="py-3 pr-3">
                    <Link href={`/orgs/${ctx.orgId}/tools/${t.id}`} className="font-medium text-brand-600 hover:underline">
                      {t.name}
                    </Link>
                    {t.description && <div className="line-clamp-1 text-xs text-slate-500">{t.description}</div>}
                  </td>
                  <td className="py-3 pr-3">
                    <SyncStatusBadge status={t.sync_status} />
                  </td>
                  <td className="py-3">
                    {canToggleTools ? (
                      <EnabledSwitch action={toggleTool} enabled={t.enabled} label={`Tool ${t.name} enabled`} hidden={{ tool_id: t.id }} />
                    ) : (
                      <EnabledBadge enabled={t.enabled} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager path={`${base}/${connection.id}`} page={page.page} pageSize={TOOL_PAGE_SIZE} total={tools.total} />
      </section>

      {canManage && (
        <section aria-labelledby="enabled-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="enabled-heading" className="mb-3 text-base font-semibold">
            Enable or disable
          </h2>
          <EnabledSwitch
            action={setConnectionEnabledAction.bind(null, ctx.orgId)}
            enabled={connection.enabled}
            label={`Connection ${connection.name} enabled`}
            hidden={{ connection_id: connection.id }}
            note="Disabling stops all its tools at once, from the next call on; enabling lets its enabled tools run again."
          />
        </section>
      )}

      {canManage && (
        <section aria-labelledby="edit-connection-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="edit-connection-heading" className="mb-4 text-base font-semibold">
            Edit connection
          </h2>
          <EditConnectionForm
            action={updateConnectionAction.bind(null, ctx.orgId)}
            connectionId={connection.id}
            values={{
              name: connection.name,
              endpoint: connection.endpoint ?? '',
              transport: connection.transport ?? '',
              auth_method: connection.auth_method,
              secret_ref: connection.secret_ref ?? '',
            }}
            canMoveEndpoint={isAdmin}
            hasRegistration={Boolean(connection.mcp_server_registration_id)}
            secrets={isAdmin ? await secretOptions(ctx) : null}
            secretsHref={`/orgs/${ctx.orgId}/secrets`}
          />
        </section>
      )}

      {canManage && (
        <section aria-labelledby="danger-heading" className="rounded-lg border border-red-200 bg-white p-6">
          <h2 id="danger-heading" className="mb-2 text-base font-semibold text-red-800">
            Delete connection
          </h2>
          <ConfirmDelete
            action={deleteConnectionAction.bind(null, ctx.orgId)}
            hidden={{ connection_id: connection.id }}
            name={connection.name}
            what="connection"
            idPrefix={`connection-${connection.id}-delete`}
            consequence="This deletes the connection and all its tools; policies that name them stop matching. It is refused while RUNNER agents use it."
          />
        </section>
      )}
    </div>
  );
}
