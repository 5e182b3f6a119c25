// "Connect a client": where an agent's MCP clients connect, and a connection test that does what a
// client does first — initialize, then tools/list — as the agent. The test calls the gateway's own
// request handler in this process (the SDK client's fetch answers from handleStreamableHttp), so it
// needs no HTTP to ourselves and works where PUBLIC_URL is not reachable from the server. It uses a
// token of its own: scope mcp, the shortest lifetime there is, revoked as soon as the test ends;
// the token service audits the issue and the revocation like any other.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { EXECUTE_TOOL } from '@/lib/mcp/gateway/view';
import { handleStreamableHttp } from '@/lib/mcp/gateway/streamable';
import { logger } from '@/lib/observability/logger';
import { effectivePermissions } from '@/lib/policy/evaluate';
import type { OrgCtx } from '@/lib/tenancy/access';
import { issueAgentToken, revokeAgentToken } from './tokens';
import { getAgentOrThrow } from './service';

/** The gateway's URLs for an agent's clients. The token fixes organization and environment. */
export interface AgentEndpoints {
  /** Streamable HTTP (protocol 2025-06-18 and later). */
  streamable_http: string;
  /** The same, with the organization and environment in the path: refuses a token of any other. */
  streamable_http_scoped: string;
  /** Legacy HTTP+SSE (protocol 2024-11-05). */
  sse: string;
  sse_scoped: string;
}

export function agentEndpoints(agent: { organization_id: string; environment_id: string }): AgentEndpoints {
  const base = env().PUBLIC_URL;
  const scoped = `${base}/mcp/${agent.organization_id}/${agent.environment_id}`;
  return {
    streamable_http: `${base}/mcp`,
    streamable_http_scoped: scoped,
    sse: `${base}/.well-known/mcp/sse`,
    sse_scoped: `${scoped}/.well-known/mcp/sse`,
  };
}

/** The stdio bridge for Claude Desktop, in this server's own checkout. */
export const bridgeScriptPath = (): string => path.join(process.cwd(), 'bin', 'agentxsuite-bridge.mjs');

/** Why an agent that connected sees no tool of its own. */
export type NoToolsReason = 'no_tools_in_environment' | 'no_policy_allows' | 'allowed_tools_cannot_run';

export interface AgentConnectionOk {
  ok: true;
  endpoint: string;
  transport: 'streamable_http';
  protocol_version: string | null;
  server: { name: string; version: string } | null;
  /** Every name tools/list answered, in its order (the gateway's execute_tool included). */
  tools: string[];
  /** The agent's own tools: tools/list without the gateway's execute_tool. */
  tool_count: number;
  no_tools: { reason: NoToolsReason; message: string } | null;
  latency_ms: number;
  /** The test's own token, revoked by the time this is returned. */
  test_token_jti: string;
}

export interface AgentConnectionFailed {
  ok: false;
  endpoint: string;
  /** Where it failed: getting a token for the test, initialize, or tools/list. */
  stage: 'token' | 'initialize' | 'tools/list';
  /** The gateway's HTTP status, when it answered with one. */
  http_status: number | null;
  reason: string;
  latency_ms: number | null;
  test_token_jti: string | null;
}

export type AgentConnectionTest = AgentConnectionOk | AgentConnectionFailed;

/** The shortest lifetime a token may have (issueTokenSchema); it is revoked long before. */
const TEST_TOKEN_TTL_SECONDS = 60;
const STEP_TIMEOUT_MS = 15_000;
const CLIENT_INFO = { name: 'agentxsuite-console-connection-test', version: '0.1.0' };

/**
 * Runs initialize + tools/list against the gateway as the agent, with a token issued for the test
 * and revoked right after. 404 for an agent of another organization; everything else, the agent
 * disabled included, is a failed result with a readable reason.
 */
export async function testAgentConnection(ctx: OrgCtx, agentId: string): Promise<AgentConnectionTest> {
  const agent = await getAgentOrThrow(ctx, agentId);
  const endpoint = agentEndpoints({ organization_id: agent.organizationId, environment_id: agent.environmentId }).streamable_http;
  const failed = (stage: AgentConnectionFailed['stage'], reason: string, more: Partial<AgentConnectionFailed> = {}): AgentConnectionFailed => ({
    ok: false,
    endpoint,
    stage,
    http_status: null,
    reason,
    latency_ms: null,
    test_token_jti: null,
    ...more,
  });
  if (!agent.enabled) {
    return failed('token', 'The agent is disabled: the gateway refuses every request with its tokens. Enable it on its page, then test again.');
  }

  let issued: { token: string; jti: string };
  try {
    issued = await issueAgentToken(ctx, agent.id, {
      ttl_seconds: TEST_TOKEN_TTL_SECONDS,
      scopes: ['mcp'],
      name: 'Connection test (console)',
      metadata: { purpose: 'connection_test' },
    });
  } catch (error) {
    if (!(error instanceof AppError) || error.code === 'not_found') throw error;
    return failed('token', tokenRefusal(error));
  }

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const transport = new StreamableHTTPClientTransport(new URL(endpoint), {
    // The gateway's handler, in-process: the request is exactly what a client would send.
    fetch: async (input, init) => handleStreamableHttp(new Request(input, init)),
    requestInit: {
      headers: {
        authorization: `Bearer ${issued.token}`,
        'x-request-id': ctx.requestId,
        'x-axs-peer-ip': ctx.clientKey,
      },
    },
  });
  const client = new Client(CLIENT_INFO);
  let stage: 'initialize' | 'tools/list' = 'initialize';
  try {
    await client.connect(transport, { timeout: STEP_TIMEOUT_MS });
    stage = 'tools/list';
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: STEP_TIMEOUT_MS });
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor);
    const latency = elapsed();
    const own = names.filter((n) => n !== EXECUTE_TOOL);
    const server = client.getServerVersion();
    return {
      ok: true,
      endpoint,
      transport: 'streamable_http',
      protocol_version: transport.protocolVersion ?? null,
      server: server ? { name: server.name, version: server.version } : null,
      tools: names,
      tool_count: own.length,
      no_tools: own.length ? null : await whyNoTools(ctx, agent.id),
      latency_ms: latency,
      test_token_jti: issued.jti,
    };
  } catch (error) {
    const { status, reason } = gatewayRefusal(error, ctx.requestId);
    return failed(stage, reason, { http_status: status, latency_ms: elapsed(), test_token_jti: issued.jti });
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
    await revokeTestToken(ctx, agent.id, issued.jti);
  }
}

/** Revoked even when the test failed; if that fails too, the token still expires within a minute. */
async function revokeTestToken(ctx: OrgCtx, agentId: string, jti: string): Promise<void> {
  try {
    await revokeAgentToken(ctx, agentId, jti);
  } catch (error) {
    logger().error({ request_id: ctx.requestId, org_id: ctx.orgId, agent_id: agentId, jti, err: error }, 'could not revoke a connection-test token');
  }
}

function tokenRefusal(error: AppError): string {
  if (error.details.reason === 'service_account_disabled') {
    return "The agent's service account is disabled, so no token can be issued for it.";
  }
  if (error.details.fields && JSON.stringify(error.details.fields).includes('allowlist')) {
    return "The agent's service account does not allow the mcp scope: its tokens cannot use the MCP gateway.";
  }
  return `No token could be issued for the test: ${error.message}`;
}

async function whyNoTools(ctx: OrgCtx, agentId: string): Promise<{ reason: NoToolsReason; message: string }> {
  const { summary } = await effectivePermissions(ctx, agentId);
  if (summary.tools_total === 0) {
    return {
      reason: 'no_tools_in_environment',
      message: "Connected, 0 tools: the agent's environment has no tools yet. Add a connection and sync it.",
    };
  }
  if (summary.tools_allowed > 0) {
    return {
      reason: 'allowed_tools_cannot_run',
      message: 'Connected, 0 tools: the tools policies allow this agent cannot run right now (disabled, not synced, or without a usable connection).',
    };
  }
  return { reason: 'no_policy_allows', message: 'Connected, 0 tools: no policy allows this agent any tool.' };
}

/** The gateway's refusal in words. Its messages are our own, so they are shown as they are. */
function gatewayRefusal(error: unknown, requestId: string): { status: number | null; reason: string } {
  if (error instanceof StreamableHTTPError) {
    const status = error.code !== undefined && error.code > 0 ? error.code : null;
    const said = jsonRpcMessageIn(error.message);
    switch (status) {
      case 401:
        return { status, reason: `The gateway refused the token (401 Unauthorized)${said ? `: ${said}` : ''}.` };
      case 403:
        return { status, reason: `The gateway refused the agent (403 Forbidden)${said ? `: ${said}` : ''}.` };
      case 429:
        return { status, reason: `The agent has too many open MCP sessions (429)${said ? `: ${said}` : ''}.` };
      default:
        return { status, reason: status ? `The gateway answered HTTP ${status}${said ? `: ${said}` : ''}.` : 'The gateway answered in a form MCP clients do not accept.' };
    }
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return { status: null, reason: `The gateway did not answer within ${STEP_TIMEOUT_MS / 1000} seconds.` };
    return { status: null, reason: `The gateway answered with a JSON-RPC error (${error.code}): ${error.message}` };
  }
  logger().error({ request_id: requestId, err: error }, 'connection test: unexpected failure');
  return { status: null, reason: `The connection test failed unexpectedly (request ${requestId}); the server log has the details.` };
}

/** The `error.message` of the JSON-RPC error body the SDK quotes in its error text, if it is one. */
function jsonRpcMessageIn(text: string): string | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  try {
    const body = JSON.parse(text.slice(start)) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : null;
  } catch {
    return null;
  }
}
