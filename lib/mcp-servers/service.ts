// The MCP server registry: upstream MCP servers an organization registers once (a stdio command
// with its args and environment, or an http/ws URL) for connections to use. A stdio registration
// runs a command on this host, so it is checked against MCP_STDIO_ALLOWED_COMMANDS on every write
// that sets it, and who may write one is the operator's choice (MCP_STDIO_REGISTRATION). Like a
// connection, a registration pointed somewhere else loses its credentials unless the same request
// names them; its stdio child is stopped when it is deleted, disabled or its command changes.
import { isDeepStrictEqual } from 'node:util';
import { and, asc, count, eq, type SQL } from 'drizzle-orm';
import { environments, mcpServerRegistrations, type McpServerRegistration, type McpServerType } from '@/db/schema';
import { AppError, invalidInput, notFound } from '@/lib/api/errors';
import type { PageRequest } from '@/lib/api/pagination';
import { withUniqueFields } from '@/lib/api/unique-conflicts';
import { changedFields, recordAudit } from '@/lib/audit/record';
import { env } from '@/lib/env';
import { checkStdioCommand } from '@/lib/mcp/stdio/allowlist';
import { secretRefsIn, validateStdioEnv } from '@/lib/mcp/stdio/environment';
import { stopStdioServer } from '@/lib/mcp/stdio/pool';
import { secretRefExists } from '@/lib/secrets/refs';
import { isUuid, type OrgCtx } from '@/lib/tenancy/access';
import { runHealthCheck, type HealthCheckResult } from './health';
import { slugFromName, type CreateMcpServerInput, type McpServerFilters, type PatchMcpServerInput } from './schemas';
import { registrationPoolKey } from './upstream';

export interface PublicMcpServer {
  id: string;
  organization_id: string;
  environment_id: string;
  name: string;
  slug: string;
  description: string | null;
  server_type: McpServerType;
  endpoint: string | null;
  command: string | null;
  args: string[];
  env_vars: Record<string, string>;
  auth_method: string;
  secret_ref: string | null;
  enabled: boolean;
  last_health_check: string | null;
  health_status: string;
  health_message: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export const toPublicMcpServer = (r: McpServerRegistration): PublicMcpServer => ({
  id: r.id,
  organization_id: r.organizationId,
  environment_id: r.environmentId,
  name: r.name,
  slug: r.slug,
  description: r.description,
  server_type: r.serverType,
  endpoint: r.endpoint,
  command: r.command,
  args: r.args,
  // Values are literals or `secret_ref:<uuid>` (never plaintext of a stored secret).
  env_vars: r.envVars,
  auth_method: r.authMethod,
  secret_ref: r.secretRef,
  enabled: r.enabled,
  last_health_check: r.lastHealthCheck?.toISOString() ?? null,
  health_status: r.healthStatus,
  health_message: r.healthMessage,
  tags: r.tags,
  metadata: r.metadata,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

const UNIQUE = {
  mcp_servers_org_env_slug_unique: ['slug', 'This environment already has an MCP server with this slug'],
} as const satisfies Record<string, [string, string]>;

interface Shape {
  environmentId: string;
  serverType: McpServerType;
  endpoint: string | null;
  command: string | null;
  args: string[];
  envVars: Record<string, string>;
  authMethod: string;
  secretRef: string | null;
}

/** MCP_STDIO_REGISTRATION=instance_admin: stdio registrations are the instance administrator's. */
function requireStdioWriter(ctx: OrgCtx): void {
  if (env().MCP_STDIO_REGISTRATION === 'instance_admin' && !ctx.actor.isInstanceAdmin) {
    const error = new AppError(
      'forbidden',
      'On this instance only the instance administrator may register or change stdio MCP servers (MCP_STDIO_REGISTRATION=instance_admin)',
      { setting: 'MCP_STDIO_REGISTRATION' },
    );
    error.orgId = ctx.orgId;
    throw error;
  }
}

/** validateStdioEnv names `env.<NAME>`; the field here is env_vars. */
function checkEnvVars(vars: Record<string, string>): void {
  try {
    validateStdioEnv(vars);
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid_input') {
      const raw = (error.details.fields ?? {}) as Record<string, string[]>;
      const fields = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^env\b/, 'env_vars'), v]));
      throw new AppError('invalid_input', error.message, { fields });
    }
    throw error;
  }
}

/**
 * The rules of a registration's shape, checked on the merged result of every write. `commandSet`:
 * the write sets the command or args, so the allowlist is consulted (its 403 stays a 403).
 */
async function validateShape(ctx: OrgCtx, shape: Shape, commandSet: boolean): Promise<void> {
  const fields: Record<string, string[]> = {};
  const [envRow] = await ctx.db
    .select({ id: environments.id })
    .from(environments)
    .where(and(eq(environments.id, shape.environmentId), eq(environments.organizationId, ctx.orgId)));
  if (!envRow) fields.environment_id = ['Unknown environment'];
  if (shape.serverType === 'stdio') {
    if (!shape.command) fields.command = ['A stdio server needs a command'];
    if (shape.endpoint) fields.endpoint = ['A stdio server has no endpoint'];
  } else {
    if (!shape.endpoint) fields.endpoint = [`An ${shape.serverType} server needs an endpoint URL`];
    else {
      const protocol = new URL(shape.endpoint).protocol;
      const fits = shape.serverType === 'ws' ? ['ws:', 'wss:'] : ['http:', 'https:'];
      if (!fits.includes(protocol)) fields.endpoint = [`An ${shape.serverType} server needs a ${fits.map((p) => `${p.slice(0, -1)}://`).join(' or ')} URL`];
    }
    if (shape.command) fields.command = [`An ${shape.serverType} server has no command`];
    if (shape.args.length) fields.args = ['Only stdio servers take args'];
    if (Object.keys(shape.envVars).length) fields.env_vars = ['Only stdio servers take environment variables'];
  }
  if (shape.authMethod === 'bearer' && !shape.secretRef) fields.secret_ref = ['Bearer authentication needs a secret ref'];
  if (shape.secretRef && !(await secretRefExists(ctx, shape.secretRef))) fields.secret_ref = ['Unknown secret'];
  if (Object.keys(fields).length) throw invalidInput(fields);
  if (shape.serverType === 'stdio') {
    checkEnvVars(shape.envVars);
    for (const [name, value] of Object.entries(shape.envVars)) {
      const [ref] = secretRefsIn({ [name]: value });
      if (ref && !(await secretRefExists(ctx, ref))) fields[`env_vars.${name}`] = [`Unknown secret ${ref}`];
    }
    if (Object.keys(fields).length) throw invalidInput(fields);
    if (commandSet) checkStdioCommand(shape.command!, shape.args);
  }
}

export async function getMcpServerOrThrow(ctx: Pick<OrgCtx, 'db' | 'orgId'>, id: string): Promise<McpServerRegistration> {
  if (!isUuid(id)) throw notFound('MCP server');
  const [row] = await ctx.db
    .select()
    .from(mcpServerRegistrations)
    .where(and(eq(mcpServerRegistrations.id, id), eq(mcpServerRegistrations.organizationId, ctx.orgId)));
  if (!row) throw notFound('MCP server');
  return row;
}

export async function listMcpServers(
  ctx: OrgCtx,
  filters: McpServerFilters,
  page: PageRequest,
): Promise<{ total: number; results: PublicMcpServer[] }> {
  const where: SQL[] = [eq(mcpServerRegistrations.organizationId, ctx.orgId)];
  if (filters.environment_id) where.push(eq(mcpServerRegistrations.environmentId, filters.environment_id));
  if (filters.server_type) where.push(eq(mcpServerRegistrations.serverType, filters.server_type));
  if (filters.enabled !== undefined) where.push(eq(mcpServerRegistrations.enabled, filters.enabled));
  const [{ total } = { total: 0 }] = await ctx.db.select({ total: count() }).from(mcpServerRegistrations).where(and(...where));
  const rows = await ctx.db
    .select()
    .from(mcpServerRegistrations)
    .where(and(...where))
    .orderBy(asc(mcpServerRegistrations.name), asc(mcpServerRegistrations.id))
    .limit(page.pageSize)
    .offset(page.offset);
  return { total, results: rows.map(toPublicMcpServer) };
}

export async function getMcpServer(ctx: OrgCtx, id: string): Promise<PublicMcpServer> {
  return toPublicMcpServer(await getMcpServerOrThrow(ctx, id));
}

export async function createMcpServer(ctx: OrgCtx, input: CreateMcpServerInput): Promise<PublicMcpServer> {
  if (input.server_type === 'stdio') requireStdioWriter(ctx);
  const shape: Shape = {
    environmentId: input.environment_id,
    serverType: input.server_type,
    endpoint: input.endpoint ?? null,
    command: input.command ?? null,
    args: input.args,
    envVars: input.env_vars,
    authMethod: input.auth_method,
    secretRef: input.secret_ref ?? null,
  };
  await validateShape(ctx, shape, true);
  const row = await withUniqueFields(UNIQUE, () =>
    ctx.db.transaction(async (tx) => {
      const [created] = await tx
        .insert(mcpServerRegistrations)
        .values({
          organizationId: ctx.orgId,
          name: input.name,
          slug: input.slug ?? slugFromName(input.name),
          description: input.description ?? null,
          enabled: input.enabled,
          tags: input.tags,
          metadata: input.metadata,
          ...shape,
        })
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'mcp_server.create',
        eventType: 'mcp_server_registered',
        target: `mcp_server:${created!.id}`,
        data: { name: created!.name, slug: created!.slug, server_type: created!.serverType, command: created!.command, has_credentials: Boolean(created!.secretRef) },
      });
      return created!;
    }),
  );
  return toPublicMcpServer(row);
}

export async function updateMcpServer(ctx: OrgCtx, id: string, input: PatchMcpServerInput): Promise<PublicMcpServer> {
  const current = await getMcpServerOrThrow(ctx, id);
  const next = <K extends keyof PatchMcpServerInput, T>(key: K, now: T): T | NonNullable<PatchMcpServerInput[K]> | null =>
    input[key] !== undefined ? (input[key] as NonNullable<PatchMcpServerInput[K]> | null) : now;
  const serverType = (next('server_type', current.serverType) ?? current.serverType) as McpServerType;
  if (serverType === 'stdio' || current.serverType === 'stdio') requireStdioWriter(ctx);
  const differs = (key: keyof PatchMcpServerInput, now: unknown) => input[key] !== undefined && !isDeepStrictEqual(input[key], now);
  const commandSet = differs('command', current.command) || differs('args', current.args) || (serverType === 'stdio' && current.serverType !== 'stdio');
  // A different destination (or different program) loses the credentials stored for the old one.
  const moves =
    serverType !== current.serverType || differs('endpoint', current.endpoint) || commandSet || differs('env_vars', current.envVars);
  const detach = moves && input.secret_ref === undefined;
  const shape: Shape = {
    environmentId: current.environmentId,
    serverType,
    endpoint: next('endpoint', current.endpoint) as string | null,
    command: next('command', current.command) as string | null,
    args: next('args', current.args) as string[],
    envVars: next('env_vars', current.envVars) as Record<string, string>,
    authMethod: input.auth_method ?? (detach ? 'none' : current.authMethod),
    secretRef: detach ? null : (next('secret_ref', current.secretRef) as string | null),
  };
  await validateShape(ctx, shape, commandSet);
  const enabled = input.enabled ?? current.enabled;
  const row = await withUniqueFields(UNIQUE, () =>
    ctx.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(mcpServerRegistrations)
        .set({
          ...shape,
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.slug !== undefined ? { slug: input.slug } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.tags !== undefined ? { tags: input.tags } : {}),
          ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
          enabled,
          ...(moves ? { healthStatus: 'unknown', healthMessage: null, lastHealthCheck: null } : {}),
          updatedAt: new Date(),
        })
        .where(and(eq(mcpServerRegistrations.id, current.id), eq(mcpServerRegistrations.organizationId, ctx.orgId)))
        .returning();
      await recordAudit(tx, ctx, {
        organizationId: ctx.orgId,
        action: 'mcp_server.update',
        eventType: moves ? 'mcp_server_target_changed' : 'mcp_server_updated',
        target: `mcp_server:${current.id}`,
        data: { changed_fields: changedFields(input), credentials_detached: detach && Boolean(current.secretRef), command: updated!.command },
      });
      return updated!;
    }),
  );
  // The running child no longer matches the registration (or must not run at all).
  if (current.serverType === 'stdio' && (moves || !enabled)) await stopStdioServer(registrationPoolKey(current.id));
  return toPublicMcpServer(row);
}

export async function deleteMcpServer(ctx: OrgCtx, id: string): Promise<void> {
  const current = await getMcpServerOrThrow(ctx, id);
  // Connections through it keep their row with mcp_server_registration_id set to null (the FK
  // decides); they fail their next test with "no endpoint" until pointed elsewhere.
  await ctx.db.transaction(async (tx) => {
    await tx
      .delete(mcpServerRegistrations)
      .where(and(eq(mcpServerRegistrations.id, current.id), eq(mcpServerRegistrations.organizationId, ctx.orgId)));
    await recordAudit(tx, ctx, {
      organizationId: ctx.orgId,
      action: 'mcp_server.delete',
      eventType: 'mcp_server_deleted',
      target: `mcp_server:${current.id}`,
      data: { name: current.name, slug: current.slug, server_type: current.serverType },
    });
  });
  if (current.serverType === 'stdio') await stopStdioServer(registrationPoolKey(current.id));
}

/**
 * initialize + ping, recorded on the registration and audited. An unreachable server is a result
 * (status unhealthy), not an error of the request.
 */
export async function checkMcpServerHealth(ctx: OrgCtx, id: string): Promise<HealthCheckResult> {
  const current = await getMcpServerOrThrow(ctx, id);
  if (!current.enabled) throw new AppError('conflict', 'This MCP server registration is disabled');
  const result = await runHealthCheck(ctx, current);
  await recordAudit(ctx.db, ctx, {
    organizationId: ctx.orgId,
    action: 'mcp_server.health_check',
    eventType: result.status === 'healthy' ? 'mcp_server_healthy' : 'mcp_server_unhealthy',
    target: `mcp_server:${current.id}`,
    data: { status: result.status, message: result.message, latency_ms: result.latency_ms },
  });
  return result;
}
