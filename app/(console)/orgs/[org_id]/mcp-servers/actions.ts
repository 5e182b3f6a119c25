'use server';
// MCP server registrations from the console: the same services and permissions as REST
// (mcp_server.manage for every change and for health checks; stdio registrations also follow
// MCP_STDIO_REGISTRATION and MCP_STDIO_ALLOWED_COMMANDS, enforced by the service). A connection
// through a registration is a connection like any other: connection.manage, as on its own page.
import type { HealthState } from '@/components/mcp-servers/health-check-panel';
import { AppError, invalidInput } from '@/lib/api/errors';
import { orgAction, type ActionInput } from '@/lib/auth/org-action';
import { createConnection } from '@/lib/connections/service';
import type { HealthCheckResult } from '@/lib/mcp-servers/health';
import { checkMcpServerHealth, createMcpServer, deleteMcpServer, getMcpServer, updateMcpServer } from '@/lib/mcp-servers/service';
import type { CreateMcpServerInput } from '@/lib/mcp-servers/schemas';
import type { OrgCtx } from '@/lib/tenancy/access';
import {
  connectionThroughServerForm,
  createMcpServerForm,
  deleteMcpServerForm,
  mcpServerEnabledForm,
  mcpServerRefForm,
} from './form-schemas';

const serverPath = (s: { organization_id: string; id: string }) => `/orgs/${s.organization_id}/mcp-servers/${s.id}`;

/**
 * The allowlist refuses with a 403 naming the command (or the argument) but no form field: put
 * the message on the field it is about too, so the form shows it where the fix is typed.
 */
async function createWithFieldErrors(ctx: OrgCtx, input: CreateMcpServerInput) {
  try {
    return await createMcpServer(ctx, input);
  } catch (error) {
    if (error instanceof AppError && error.code === 'forbidden' && !error.details.fields) {
      const field = 'argument' in error.details ? 'args' : 'command' in error.details ? 'command' : undefined;
      if (field) {
        const located = new AppError('forbidden', error.message, { ...error.details, fields: { [field]: [error.message] } });
        located.orgId = error.orgId;
        throw located;
      }
    }
    throw error;
  }
}

export const createMcpServerAction = orgAction('mcp_server.manage', createMcpServerForm, createWithFieldErrors, { redirectTo: serverPath });

export const setMcpServerEnabledAction = orgAction(
  'mcp_server.manage',
  mcpServerEnabledForm,
  (ctx, { mcp_server_id, enabled }) => updateMcpServer(ctx, mcp_server_id, { enabled }),
  {
    ok: (s) =>
      s.enabled
        ? `MCP server ${s.name} is enabled: connections through it work again.`
        : `MCP server ${s.name} is disabled: connections through it fail until it is enabled again${s.server_type === 'stdio' ? ', and its process was stopped' : ''}.`,
  },
);

export const deleteMcpServerAction = orgAction(
  'mcp_server.manage',
  deleteMcpServerForm,
  async (ctx, { mcp_server_id, confirm }) => {
    const server = await getMcpServer(ctx, mcp_server_id);
    if (confirm.trim() !== server.name) throw invalidInput({ confirm: [`Does not match ${server.name}`] }, 'Nothing was deleted');
    await deleteMcpServer(ctx, server.id);
    return server;
  },
  { redirectTo: (s) => `/orgs/${s.organization_id}/mcp-servers` },
);

/** initialize + ping now; the result (healthy or not) is shown and recorded on the registration. */
export async function checkMcpServerHealthAction(orgId: string, prev: HealthState, input: ActionInput): Promise<HealthState> {
  let result: HealthCheckResult | undefined;
  const run = orgAction('mcp_server.manage', mcpServerRefForm, async (ctx, { mcp_server_id }) => {
    result = await checkMcpServerHealth(ctx, mcp_server_id);
    return result;
  });
  const state = await run(orgId, prev, input);
  return result ? { ...state, result } : state;
}

export const createConnectionThroughServerAction = orgAction(
  'connection.manage',
  connectionThroughServerForm,
  async (ctx, { mcp_server_id, name }) => {
    const server = await getMcpServer(ctx, mcp_server_id);
    return createConnection(ctx, {
      environment_id: server.environment_id,
      name,
      mcp_server_registration_id: server.id,
      auth_method: 'none',
      enabled: true,
    });
  },
  { redirectTo: (c) => `/orgs/${c.organization_id}/connections/${c.id}` },
);
