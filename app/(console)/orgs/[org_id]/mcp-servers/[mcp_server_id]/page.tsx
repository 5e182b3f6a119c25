import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EnabledBadge } from '@/components/agents/badges';
import { EnabledSwitch } from '@/components/agents/enabled-switch';
import { ConnectionStatusBadge } from '@/components/connections/badges';
import { EnvironmentTypeBadge } from '@/components/console/badges';
import { ConfirmDelete } from '@/components/console/confirm-delete';
import { HealthBadge, ServerTypeLabel } from '@/components/mcp-servers/badges';
import { CheckedAt } from '@/components/mcp-servers/checked-at';
import { HealthCheckPanel } from '@/components/mcp-servers/health-check-panel';
import { AppError } from '@/lib/api/errors';
import { pageOrgCtx } from '@/lib/auth/org-action';
import { can } from '@/lib/auth/rbac';
import { listConnections } from '@/lib/connections/service';
import { env } from '@/lib/env';
import { SECRET_REF_PREFIX } from '@/lib/mcp/stdio/environment';
import { getMcpServer, type PublicMcpServer } from '@/lib/mcp-servers/service';
import type { OrgCtx } from '@/lib/tenancy/access';
import { getEnvironment } from '@/lib/tenancy/environments';
import {
  checkMcpServerHealthAction,
  createConnectionThroughServerAction,
  deleteMcpServerAction,
  setMcpServerEnabledAction,
} from '../actions';
import { ConnectionThroughServerForm } from '../mcp-server-forms';

export const metadata: Metadata = { title: 'MCP server' };

const CONNECTION_LIMIT = 200;

async function serverOr404(ctx: OrgCtx, id: string): Promise<PublicMcpServer> {
  try {
    return await getMcpServer(ctx, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  }
}

const HEALTH_TEXT: Record<string, string> = {
  healthy: 'text-emerald-800',
  unhealthy: 'text-red-700',
};

export default async function McpServerPage({ params }: { params: Promise<{ org_id: string; mcp_server_id: string }> }) {
  const { org_id: orgId, mcp_server_id: serverId } = await params;
  const ctx = await pageOrgCtx(orgId, 'org.read');
  const server = await serverOr404(ctx, serverId);
  const environment = await getEnvironment(ctx, server.environment_id);
  const canManage = can(ctx.role, 'mcp_server.manage');
  const canConnect = can(ctx.role, 'connection.manage');
  // MCP_STDIO_REGISTRATION=instance_admin: changing a stdio registration is the instance admin's.
  const mayChange = canManage && (server.server_type !== 'stdio' || env().MCP_STDIO_REGISTRATION === 'org_admin' || ctx.actor.isInstanceAdmin);
  const { results: envConnections } = await listConnections(ctx, { environment_id: server.environment_id }, { page: 1, pageSize: CONNECTION_LIMIT, offset: 0 });
  const through = envConnections.filter((c) => c.mcp_server_registration_id === server.id);
  const base = `/orgs/${ctx.orgId}/mcp-servers`;
  const envEntries = Object.entries(server.env_vars);

  return (
    <div className="space-y-8">
      <div>
        <Link href={base} className="text-sm text-brand-600 hover:underline">
          ← MCP servers
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight" data-testid="mcp-server-name">
          {server.name}
        </h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
          <ServerTypeLabel type={server.server_type} />
          <EnabledBadge enabled={server.enabled} />
          <span>in {environment.name}</span>
          <EnvironmentTypeBadge type={environment.type} />
        </p>
        {server.description && <p className="mt-2 max-w-3xl whitespace-pre-wrap text-sm text-slate-700">{server.description}</p>}
      </div>

      <section aria-labelledby="server-fields-heading" className="rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="server-fields-heading" className="mb-3 text-base font-semibold">
          Registration
        </h2>
        <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]" data-testid="mcp-server-fields">
          <dt className="font-medium text-slate-700">Slug</dt>
          <dd className="font-mono text-xs">{server.slug}</dd>
          <dt className="font-medium text-slate-700">Type</dt>
          <dd>
            <ServerTypeLabel type={server.server_type} />
          </dd>
          {server.server_type === 'stdio' ? (
            <>
              <dt className="font-medium text-slate-700">Command</dt>
              <dd className="font-mono text-xs" data-testid="mcp-server-command">
                {server.command}
              </dd>
              <dt className="font-medium text-slate-700">Arguments</dt>
              <dd>
                {server.args.length ? (
                  <ol className="list-inside list-decimal font-mono text-xs">
                    {server.args.map((a, i) => (
                      <li key={i}>{a}</li>
                    ))}
                  </ol>
                ) : (
                  <span className="text-slate-500">none</span>
                )}
              </dd>
              <dt className="font-medium text-slate-700">Environment variables</dt>
              <dd>
                {envEntries.length ? (
                  <ul className="font-mono text-xs">
                    {envEntries.map(([name, value]) => (
                      <li key={name}>
                        {name}={value.startsWith(SECRET_REF_PREFIX) ? <span className="text-violet-800">{value}</span> : value}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="text-slate-500">none (the process gets only a minimal PATH, HOME and TMPDIR)</span>
                )}
              </dd>
            </>
          ) : (
            <>
              <dt className="font-medium text-slate-700">Endpoint</dt>
              <dd className="break-all font-mono text-xs" data-testid="mcp-server-endpoint">
                {server.endpoint}
              </dd>
              <dt className="font-medium text-slate-700">Authentication</dt>
              <dd>
                {server.auth_method === 'bearer' ? 'bearer token from a secret' : 'none'}
                {server.secret_ref && <span className="font-mono text-xs"> (secret {server.secret_ref.slice(0, 8)}…)</span>}
              </dd>
            </>
          )}
          {server.tags.length > 0 && (
            <>
              <dt className="font-medium text-slate-700">Tags</dt>
              <dd>{server.tags.join(', ')}</dd>
            </>
          )}
          <dt className="font-medium text-slate-700">Id</dt>
          <dd className="font-mono text-xs">{server.id}</dd>
        </dl>
      </section>

      <section aria-labelledby="health-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="health-heading" className="text-base font-semibold">
          Health
        </h2>
        <p className="flex flex-wrap items-center gap-2 text-sm">
          <HealthBadge status={server.health_status} />
          <CheckedAt iso={server.last_health_check} />
        </p>
        {server.health_message && (
          <p className={`text-sm ${HEALTH_TEXT[server.health_status] ?? 'text-slate-700'}`} data-testid="health-message">
            {server.health_message}
          </p>
        )}
        <p className="text-sm text-slate-600">
          A check opens an MCP session (initialize), pings the server and records the outcome
          {server.server_type === 'stdio' ? '; for stdio it starts the process if it is not running' : ''}. Enabled servers are also
          checked in the background while the gateway runs.
        </p>
        {canManage ? (
          <HealthCheckPanel action={checkMcpServerHealthAction.bind(null, ctx.orgId)} serverId={server.id} disabled={!server.enabled} />
        ) : (
          <p className="text-sm text-slate-600">Admins and owners run health checks.</p>
        )}
        {!server.enabled && <p className="text-sm text-amber-800">The server is disabled: enable it to check its health.</p>}
      </section>

      <section aria-labelledby="connections-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-6">
        <h2 id="connections-heading" className="text-base font-semibold">
          Connections through this server ({through.length})
        </h2>
        {through.length === 0 ? (
          <p className="text-sm text-slate-600" data-testid="mcp-server-connections-empty">
            No connection uses this server yet. A connection is what agents and policies name: create one to test the server and
            sync its tools.
          </p>
        ) : (
          <ul className="space-y-1 text-sm">
            {through.map((c) => (
              <li key={c.id} className="flex flex-wrap items-center gap-2">
                <Link href={`/orgs/${ctx.orgId}/connections/${c.id}`} className="font-medium text-brand-600 hover:underline">
                  {c.name}
                </Link>
                <ConnectionStatusBadge status={c.status} lastSeenAt={c.last_seen_at} />
              </li>
            ))}
          </ul>
        )}
        {canConnect ? (
          <div className="space-y-2 border-t border-slate-100 pt-4">
            <h3 className="text-sm font-semibold">Create a connection through this server</h3>
            <ConnectionThroughServerForm
              action={createConnectionThroughServerAction.bind(null, ctx.orgId)}
              serverId={server.id}
              suggestedName={through.length ? '' : server.slug}
            />
          </div>
        ) : (
          <p className="text-sm text-slate-600">Members, admins and owners create connections.</p>
        )}
      </section>

      {canManage && (
        <section aria-labelledby="enabled-heading" className="rounded-lg border border-slate-200 bg-white p-6">
          <h2 id="enabled-heading" className="mb-3 text-base font-semibold">
            Enable or disable
          </h2>
          {mayChange ? (
            <EnabledSwitch
              action={setMcpServerEnabledAction.bind(null, ctx.orgId)}
              enabled={server.enabled}
              label={`MCP server ${server.name} enabled`}
              hidden={{ mcp_server_id: server.id }}
              note={`Disabling makes every connection through it fail until it is enabled again${server.server_type === 'stdio' ? ', and stops its process' : ''}.`}
            />
          ) : (
            <p className="text-sm text-slate-600">
              On this instance only the instance administrator changes stdio MCP servers (MCP_STDIO_REGISTRATION=instance_admin).
            </p>
          )}
        </section>
      )}

      {canManage && (
        <section aria-labelledby="danger-heading" className="rounded-lg border border-red-200 bg-white p-6">
          <h2 id="danger-heading" className="mb-2 text-base font-semibold text-red-800">
            Delete MCP server
          </h2>
          <ConfirmDelete
            action={deleteMcpServerAction.bind(null, ctx.orgId)}
            hidden={{ mcp_server_id: server.id }}
            name={server.name}
            what="MCP server"
            idPrefix={`mcp-server-${server.id}-delete`}
            consequence={`This removes the registration${server.server_type === 'stdio' ? ' and stops its process' : ''}. Connections through it stay, but fail with “no endpoint” until they are pointed elsewhere${through.length ? ` (${through.length} here)` : ''}.`}
          />
        </section>
      )}
    </div>
  );
}
