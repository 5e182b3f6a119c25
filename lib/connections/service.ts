// Connections: where the gateway reaches an upstream MCP server (a URL, or a registered stdio
// server) and with which credentials. Pointing a connection somewhere else, or attaching
// credentials to it, needs an admin; a new endpoint drops the old credentials, so a secret is
// never sent to a server it was not stored for.
import { and, asc, count, eq, sql, type SQL } from 'drizzle-orm';
import { agents, connections, environments, mcpServerRegistrations, type Connection } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { withUniqueFields } from '@/lib/api/unique-conflicts';
import { changedFields, recordAudit } from '@/lib/audit/record';
import { secretRefExists } from '@/lib/secrets/refs';
import { authorize, isUuid, type OrgCtx } from '@/lib/tenancy/access';
import type { ConnectionFilters, ConnectionTransport, CreateConnectionInput, PatchConnectionInput } from './schemas';

export interface PublicConnection {
  id: string;
  organization_id: string;
  environment_id: string;
  name: string;
  endpoint: string | null;
  transport: string | null;
  auth_method: string;
  secret_ref: string | null;
  mcp_server_registration_id: string | null;
  enabled: boolean;
  status: string;
  status_detail: Record<string, unknown>;
  last_seen_at: string | null;
  created_at: string;
  updated_at: string;
}

export const toPublicConnection = (c: Connection): PublicConnection => ({
  id: c.id,
  organization_id: c.organizationId,
  environment_id: c.environmentId,
  name: c.name,
  endpoint: c.endpoint,
  transport: c.transport,
  auth_method: c.authMethod,
  secret_ref: c.secretRef,
  mcp_server_registration_id: c.mcpServerRegistrationId,
  enabled: c.enabled,
  status: c.status,
  status_detail: c.statusDetail,
  last_seen_at: c.lastSeenAt?.toISOString() ?? null,
  created_at: c.createdAt.toISOString(),
  updated_at: c.updatedAt.toISOString(),
});

const UNIQUE = {
  connections_org_env_name_unique: ['name', 'This environment already has a connection with this name'],
} as const satisfies Record<string, [string, string]>;

interface Shape {
  environmentId: string;
  endpoint: string | null;
  transport: string | null;
  authMethod: string;
  secretRef: string | null;
  mcpServerRegistrationId: string | null;
}

/** The transport an endpoint implies when none is given. */
function defaultTransport(endpoint: string | null, registrationType: string | null): ConnectionTransport | null {
  if (registrationType === 'stdio') return 'stdio';
  if (registrationType === 'ws') return 'websocket';
  if (registrationType === 'http') return 'streamable_http';
  if (!endpoint) return null;
  return endpoint.startsWith('ws') ? 'websocket' : 'streamable_http';
}

/** The rules of a connection's shape, checked on the merged result of every write. */
async function validateShape(ctx: OrgCtx, shape: Shape): Promise<Shape> {
  const fields: Record<string, string[]> = {};
  const [env] = await ctx.db
    .select({ id: environments.id })
    .from(environments)
    .where(and(eq(environments.id, shape.environmentId), eq(environments.organizationId, ctx.orgId)));
  if (!env) fields.environment_id = ['Unknown environment'];
  let registrationType: string | null = null;
  if (shape.mcpServerRegistrationId) {
    const [reg] = await ctx.db
      .select({ type: mcpServerRegistrations.serverType, env: mcpServerRegistrations.environmentId })
      .from(mcpServerRegistrations)
      .where(and(eq(mcpServerRegistrations.id, shape.mcpServerRegistrationId), eq(mcpServerRegistrations.organizationId, ctx.orgId)));
    if (!reg || reg.env !== shape.environmentId) fields.mcp_server_registration_id = ['Unknown MCP server registration in this environment'];
    else registrationType = reg.type;
  }
  if (!shape.endpoint && !shape.mcpServerRegistrationId) {
    fields.endpoint = ['Give an endpoint URL or an MCP server registration'];
  }
  if (shape.endpoint && shape.mcpServerRegistrationId) {
    fields.endpoint = ['Give either an endpoint or an MCP server registration, not both'];
  }
  const transport = shape.transport ?? defaultTransport(shape.endpoint, registrationType);
  if (shape.endpoint && transport) {
    const ws = shape.endpoint.startsWith('ws');
    if (transport === 'stdio') fields.transport = ['stdio needs a registered stdio server, not a URL'];
    else if (ws !== (transport === 'websocket')) fields.transport = [`${transport} does not fit a ${new URL(shape.endpoint).protocol} URL`];
  }
  if (shape.authMethod === 'bearer' && !shape.secretRef) fields.secret_ref = ['Bearer authentication needs a secret ref'];
  if (shape.secretRef && !(await secretRefExists(ctx, shape.secretRef))) fields.secret_ref = ['Unknown secret'];
  if (Object.keys(fields).length) throw invalidInput(fields);
  return { ...shape, transport };
}

export async function getConnectionOrThrow(ctx: Pick<OrgCtx, 'db' | 'orgId'>, id: string): Promise<Connection> {
  if (!isUuid(id)) throw notFound('Connection');
  const [row] = await ctx.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, id), eq(connections.organizationId, ctx.orgId)));
  if (!row) throw notFound('Connection');
  return row;
}

export async function listConnections(
  ctx: OrgCtx,
  filters: ConnectionFilters,
  page: PageRequest,
): Promise<{ total: number; results: PublicConnection[] }> {
  const where: SQL[] = [eq(connections.organizationId, ctx.orgId)];
  if (filters.environment_id) where.push(eq(connections.environmentId, filters.environment_id));
  if (filters.status) where.push(eq(connections.status, filters.status));
  if (filters.enabled !== undefined) where.push(eq(connections.enabled, filters.enabled));
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(connections).where(and(...where));
  const rows = await ctx.db
    .select()
    .from(connections)
    .where(and(...where))
    .orderBy(asc(connections.name), asc(connections.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicConnection) };
}

export async function getConnection(ctx: OrgCtx, id: string): Promise<PublicConnection> {
  return toPublicConnection(await getConnectionOrThrow(ctx, id));
}

export async function createConnection(ctx: OrgCtx, input: CreateConnectionInput): Promise<PublicConnection> {
  if (input.secret_ref) authorize(ctx, 'connection.endpoint');
  const shape = await validateShape(ctx, {
    environmentId: input.environment_id,
    endpoint: input.endpoint ?? null,
    transport: input.transport ?? null,
    authMethod: input.auth_method,
    secretRef: input.secret_ref ?? null,
    mcpServerRegistrationId: input.mcp_server_registration_id ?? null,
  });
  const row = await withUniqueFields(UNIQUE, () =>
    ctx.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(connections)
        .values({ organizationId: ctx.orgId, name: input.name, enabled: input.enabled, ...shape })
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'connection.create',
        eventType: 'connection_created',
        target: `connection:${created!.id}`,
        data: { name: created!.name, transport: created!.transport, has_credentials: Boolean(created!.secretRef) },
      });
      return created!;
    }),
  );
  return toPublicConnection(row);
}

export async function updateConnection(ctx: OrgCtx, id: string, input: PatchConnectionInput): Promise<PublicConnection> {
  const current = await getConnectionOrThrow(ctx, id);
  const movesEndpoint =
    (input.endpoint !== undefined && input.endpoint !== current.endpoint) ||
    (input.mcp_server_registration_id !== undefined && input.mcp_server_registration_id !== current.mcpServerRegistrationId);
  const setsCredentials = input.secret_ref !== undefined && input.secret_ref !== null && input.secret_ref !== current.secretRef;
  if (movesEndpoint || setsCredentials) authorize(ctx, 'connection.endpoint');
  // A new destination drops the old credentials unless this same (admin) request names them.
  const detach = movesEndpoint && input.secret_ref === undefined;
  const shape = await validateShape(ctx, {
    environmentId: current.environmentId,
    endpoint: input.endpoint !== undefined ? input.endpoint : current.endpoint,
    transport: input.transport !== undefined ? input.transport : movesEndpoint ? null : current.transport,
    authMethod: input.auth_method ?? (detach ? 'none' : current.authMethod),
    secretRef: detach ? null : input.secret_ref !== undefined ? input.secret_ref : current.secretRef,
    mcpServerRegistrationId: input.mcp_server_registration_id !== undefined ? input.mcp_server_registration_id : current.mcpServerRegistrationId,
  });
  const row = await withUniqueFields(UNIQUE, () =>
    ctx.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(connections)
        .set({
          ...shape,
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          ...(movesEndpoint ? { status: 'unknown', statusDetail: {}, lastSeenAt: null } : {}),
          updatedAt: new Date(),
        })
        .where(and(eq(connections.id, current.id), eq(connections.organizationId, ctx.orgId)))
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'connection.update',
        eventType: movesEndpoint ? 'connection_endpoint_changed' : 'connection_updated',
        target: `connection:${current.id}`,
        data: { changed_fields: changedFields(input), credentials_detached: detach && Boolean(current.secretRef) },
      });
      return updated!;
    }),
  );
  return toPublicConnection(row);
}

export async function deleteConnection(ctx: OrgCtx, id: string): Promise<void> {
  const current = await getConnectionOrThrow(ctx, id);
  const [{ runners } = { runners: 0 }] = await ctx.db
    .select({ runners: sql<number>`count(*)::int` })
    .from(agents)
    .where(and(eq(agents.connectionId, current.id), eq(agents.organizationId, ctx.orgId), eq(agents.mode, 'RUNNER')));
  if (runners > 0) {
    throw new AppError('conflict', `${runners} RUNNER agent(s) use this connection; point them elsewhere first`, {
      reason: 'in_use',
      runner_agents: runners,
    });
  }
  await ctx.db.transaction(async (tx) => {
    await tx.delete(connections).where(and(eq(connections.id, current.id), eq(connections.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'connection.delete',
      eventType: 'connection_deleted',
      target: `connection:${current.id}`,
      data: { name: current.name },
    });
  });
}
