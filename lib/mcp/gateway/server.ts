// The gateway as an MCP server, one per client session, bound to the agent that opened it. Every
// tools/call goes through the execute pipeline (lib/executor): the policy, the schema, the rate
// limit, the run record and the audit events are the same as for REST. tools/list shows the
// agent's view (./view.ts), recomputed per request so a policy change shows at once.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  SetLevelRequestSchema,
  type CallToolResult,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { z } from 'zod';
import { AppError } from '@/lib/api/errors';
import { env } from '@/lib/env';
import type { AgentActor, Ctx } from '@/lib/auth/context';
import { takeMcpRequestSlot } from '@/lib/executor/concurrency';
import { executeTool, type ExecuteRequest } from '@/lib/executor/execute';
import { ResolutionMemo } from '@/lib/executor/resolve';
import { UpstreamSessionPool } from '@/lib/mcp/client/session-pool';
import { registerCatalogHandlers } from './catalog';
import { agentToolView, EXECUTE_TOOL, type ToolView } from './view';

export const GATEWAY_INFO = { name: 'agentxsuite', version: '0.1.0' };

/** What a session needs: the database and the agent's verified identity (org and env fixed by it). */
export type GatewayCtx = Pick<Ctx, 'db' | 'requestId' | 'clientKey'> & { actor: AgentActor };

const VIEW_REUSE_MS = 1_000;

const LEVELS: LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** A refusal of the pipeline as a tool result the agent (an LLM) can read and act on. */
function refusalResult(error: AppError): CallToolResult {
  const runId = typeof error.details.run_id === 'string' ? ` (run ${error.details.run_id})` : '';
  const fields = error.details.fields ? ` ${JSON.stringify(error.details.fields)}` : '';
  return { content: [{ type: 'text', text: `${error.message}${fields}${runId}` }], isError: true };
}

/**
 * The SDK parses a request against its handler's schema and lets the parse error out as an
 * internal error (-32603); a request with bad params is the caller's mistake: -32602, naming the
 * fields. Installed before any handler is registered.
 */
function answerBadParamsAsInvalidParams(server: Server, agentId: string): void {
  const register = server.setRequestHandler.bind(server) as (schema: unknown, handler: (request: unknown, extra: Extra) => unknown) => void;
  (server as { setRequestHandler: unknown }).setRequestHandler = (schema: z.ZodObject, handler: (request: unknown, extra: Extra) => unknown) => {
    // The SDK parses against the schema it is given before calling the handler: give it one that
    // only fixes the method, and parse the whole request here.
    register(schema.pick({ method: true }).loose(), async (request: unknown, extra: Extra) => {
      const parsed = schema.safeParse(request);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${fields}`.slice(0, 500));
      }
      // Every request holds a stream (and often an upstream request) until answered: an agent
      // has at most MCP_MAX_REQUESTS_IN_FLIGHT_PER_AGENT of them, over all its sessions here.
      const max = env().MCP_MAX_REQUESTS_IN_FLIGHT_PER_AGENT;
      const release = takeMcpRequestSlot(agentId, max);
      if (!release) throw new McpError(TOO_MANY_REQUESTS, `Too many requests in flight for this agent (at most ${max}); wait for some to finish`);
      try {
        return await handler(parsed.data, extra);
      } finally {
        release();
      }
    });
  };
}

/** JSON-RPC server error for a request refused for load, not for what it asked. */
const TOO_MANY_REQUESTS = -32000;

/** An upstream result's _meta without keys in the gateway's own `agentxsuite/` namespace. */
function upstreamMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  return meta ? Object.fromEntries(Object.entries(meta).filter(([key]) => !key.startsWith('agentxsuite/'))) : {};
}

export function createGatewayServer(ctx: GatewayCtx): Server {
  const agent = ctx.actor;
  const server = new Server(GATEWAY_INFO, {
    capabilities: {
      tools: { listChanged: false },
      resources: { subscribe: true, listChanged: false },
      prompts: { listChanged: false },
      logging: {},
      completions: {},
    },
    instructions:
      "Tools, resources and prompts of this agent's connections through the AgentxSuite gateway. Every call is authorized by policy; tool calls are also validated, rate limited and recorded.",
  });
  answerBadParamsAsInvalidParams(server, agent.agentId);
  let minimumLevel: LoggingLevel = 'info';
  // This client's upstream sessions: opened on first use (the client's capabilities — what may be
  // offered upstream — are known by then), shared by its concurrent calls, closed with it.
  let pool: UpstreamSessionPool | null = null;
  let closed = false;
  const upstream = (): UpstreamSessionPool => {
    // A handler still running when the session ended must not open a pool nobody would close.
    if (closed) throw new McpError(ErrorCode.ConnectionClosed, 'The session is closed');
    const client = server.getClientCapabilities() ?? {};
    pool ??= new UpstreamSessionPool({
      capabilities: { ...(client.sampling ? { sampling: {} } : {}), ...(client.elicitation ? { elicitation: {} } : {}) },
    });
    return pool;
  };
  const closeUpstream = () => {
    closed = true;
    void pool?.close();
    pool = null;
  };
  // resources/*, prompts/*, completion/complete: proxied live from the agent's connections (./catalog.ts).
  const catalog = registerCatalogHandlers(server, ctx, {
    use: (spec, fn, options) => upstream().use(spec, fn, options),
    hold: (spec, onNotification, options) => upstream().hold(spec, onNotification, options),
  });
  const previousOnClose = server.onclose;
  server.onclose = () => {
    catalog.close();
    closeUpstream();
    previousOnClose?.();
  };

  // The name → tool table tools/call looks names up in: what tools/list showed, at most a second
  // old. Only the mapping is reused — the executor decides every call on the current policy, so a
  // tool whose permission was withdrawn a moment ago is still refused.
  let viewCache: { view: ToolView; until: number } | null = null;
  const resolutions = new ResolutionMemo();
  const currentView = async (fresh: boolean): Promise<ToolView> => {
    if (!fresh && viewCache && viewCache.until > Date.now()) return viewCache.view;
    const view = await agentToolView({ db: ctx.db, orgId: agent.orgId }, agent.agentId);
    viewCache = { view, until: Date.now() + VIEW_REUSE_MS };
    return view;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const view = await currentView(true);
    return { tools: view.entries.map((e) => e.tool) };
  });

  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    minimumLevel = request.params.level;
    return {};
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra: Extra) => {
    const view = await currentView(false);
    // Exact lookup: no case folding, no trimming, no unescaping — an unlisted name is no tool.
    const entry = view.byName.get(request.params.name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    let identifier = entry.identifier;
    let input: unknown = request.params.arguments ?? {};
    if (entry.name === EXECUTE_TOOL) {
      const args = (request.params.arguments ?? {}) as { tool_identifier?: unknown; input_data?: unknown };
      if (typeof args.tool_identifier !== 'string' || !args.tool_identifier) {
        throw new McpError(ErrorCode.InvalidParams, 'execute_tool needs tool_identifier (a string)');
      }
      if (args.input_data !== undefined && (typeof args.input_data !== 'object' || args.input_data === null || Array.isArray(args.input_data))) {
        throw new McpError(ErrorCode.InvalidParams, 'execute_tool input_data must be an object');
      }
      // The inner identifier goes to the executor, which authorizes it like any direct call.
      identifier = args.tool_identifier;
      input = args.input_data ?? {};
    }
    const progressToken = extra._meta?.progressToken;
    const client = server.getClientCapabilities() ?? {};
    const relay: Pick<ExecuteRequest, 'onServerRequest' | 'relay'> =
      client.sampling || client.elicitation
        ? {
            relay: { sampling: Boolean(client.sampling), elicitation: Boolean(client.elicitation) },
            onServerRequest: (req, signal) =>
              req.method === 'sampling/createMessage'
                ? extra.sendRequest({ method: req.method, params: req.params } as ServerRequest, CreateMessageResultSchema, { signal })
                : extra.sendRequest({ method: req.method, params: req.params } as ServerRequest, ElicitResultSchema, { signal }),
          }
        : {};
    try {
      const result = await executeTool(
        { db: ctx.db, actor: agent, requestId: ctx.requestId, clientKey: ctx.clientKey, orgId: agent.orgId },
        {
          agentId: agent.agentId,
          toolIdentifier: identifier,
          input,
          via: 'mcp',
          signal: extra.signal,
          upstream: upstream(),
          resolutions,
          ...(progressToken !== undefined
            ? {
                onProgress: (p) =>
                  void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...p } }).catch(() => {}),
              }
            : {}),
          onLog: (params) => {
            if (LEVELS.indexOf(params.level as LoggingLevel) < LEVELS.indexOf(minimumLevel)) return;
            void extra.sendNotification({ method: 'notifications/message', params: params as never }).catch(() => {});
          },
          ...relay,
        },
      );
      return {
        content: result.content as CallToolResult['content'],
        ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent as Record<string, unknown> } : {}),
        ...(result.isError ? { isError: true } : {}),
        // The upstream's own _meta passes through, except keys in the gateway's namespace: those are ours alone.
        _meta: { ...upstreamMeta(result.meta), 'agentxsuite/run_id': result.run_id, ...(result.truncated ? { 'agentxsuite/truncated': true } : {}) },
      };
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return refusalResult(error);
      if (error instanceof AppError && ['upstream_error', 'timeout', 'unavailable'].includes(error.code)) return refusalResult(error);
      throw error;
    }
  });

  return server;
}
