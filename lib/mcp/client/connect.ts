// The MCP client side of the gateway: one function opens an initialized MCP session to an
// upstream, whatever its transport, and closes it afterwards. HTTP, SSE and WebSocket go only
// through the guarded fetch/socket (address checks, pinning, caps); stdio goes only through the
// process pool (allowlist, clean environment, process groups).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '@/lib/api/errors';
import { guardedFetch, upstreamErrorOf } from '../guarded-fetch';
import { withStdioClient, type StdioServerSpec } from '../stdio/pool';
import { GuardedWebSocketTransport } from './websocket-transport';

export const CLIENT_INFO = { name: 'agentxsuite-gateway', version: '0.1.0' };

export type UpstreamSpec =
  | { transport: 'streamable_http' | 'sse' | 'websocket'; url: string; headers?: Record<string, string> }
  | { transport: 'stdio'; key: string; server: StdioServerSpec };

export interface UpstreamOptions {
  /** Time for connect + initialize. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

function networkTransport(spec: Extract<UpstreamSpec, { url: string }>): Transport {
  const url = new URL(spec.url);
  const requestInit = { headers: spec.headers ?? {} };
  switch (spec.transport) {
    case 'streamable_http':
      return new StreamableHTTPClientTransport(url, { fetch: guardedFetch, requestInit });
    case 'sse':
      return new SSEClientTransport(url, { fetch: guardedFetch, requestInit, eventSourceInit: { fetch: guardedFetch } });
    case 'websocket':
      return new GuardedWebSocketTransport(url, spec.headers);
  }
}

/**
 * Failures of the upstream as the API reports them: address refusals 400, unreachable 502,
 * time-outs 504 — with public messages that reveal nothing about what answered where.
 */
export function upstreamFailure(error: unknown): AppError {
  const guarded = upstreamErrorOf(error);
  if (guarded) return guarded;
  if (error instanceof AppError) return error;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return new AppError('timeout', 'The upstream server did not answer in time');
  if (error instanceof McpError && error.code !== ErrorCode.ConnectionClosed) {
    // A JSON-RPC error answer: the server spoke and said no. Its text is the server's; callers that
    // know which credentials went upstream redact it (lib/executor).
    return new AppError('upstream_error', `The upstream server answered with an error: ${error.message}`.slice(0, 1000), { upstream_code: error.code });
  }
  const message = error instanceof Error ? error.message : String(error);
  // The legacy SSE client keeps only the text of the guarded fetch's error. Only those exact,
  // public texts are recognised — never words in what an upstream wrote (it would choose our status).
  for (const known of PUBLIC_GUARDED_MESSAGES) {
    if (message.endsWith(known.message)) return new AppError(known.code, known.message);
  }
  return new AppError('upstream_error', 'The upstream server did not speak MCP as expected');
}

const PUBLIC_GUARDED_MESSAGES = [
  { code: 'invalid_input', message: 'The upstream address is not allowed' },
  { code: 'invalid_input', message: 'The upstream URL is not valid' },
  { code: 'upstream_error', message: 'Could not reach the upstream server' },
  { code: 'timeout', message: 'The upstream server did not answer in time' },
  { code: 'upstream_error', message: 'The upstream response is too large' },
  { code: 'upstream_error', message: 'The upstream server redirected to a URL that is not allowed' },
] as const;

export interface UpstreamSession {
  client: Client;
  /** The protocol version agreed at initialize (null where the pool's transport does not tell). */
  protocolVersion: string | null;
  /** Credentials sent to this upstream (header values, a stdio child's secret variables): never echoed back to a caller. */
  sensitiveValues: readonly string[];
}

/** The credential values of a network upstream's headers, e.g. the token of `Bearer <token>`. */
function headerSecrets(headers: Record<string, string> | undefined): string[] {
  return Object.values(headers ?? {}).flatMap((v) => {
    const token = v.replace(/^(Bearer|Basic|Token)\s+/i, '');
    return token.length >= 4 ? (token === v ? [v] : [token, v]) : [];
  });
}

/**
 * Connects `client` (handlers already installed) to a network upstream and initializes it. The
 * returned close() lets messages already on their way finish first: a cancelled or timed-out
 * request makes the SDK send notifications/cancelled without waiting for it, and closing at once
 * would abort that POST so the upstream would never learn.
 */
export async function openUpstreamSession(
  client: Client,
  spec: Extract<UpstreamSpec, { url: string }>,
  options: Pick<UpstreamOptions, 'signal' | 'connectTimeoutMs'> = {},
): Promise<{ session: UpstreamSession; close: () => Promise<void> }> {
  const transport = networkTransport(spec);
  const session: UpstreamSession = { client, protocolVersion: null, sensitiveValues: headerSecrets(spec.headers) };
  const inFlight = new Set<Promise<unknown>>();
  const send = transport.send.bind(transport);
  transport.send = (message, sendOptions) => {
    const sending = send(message, sendOptions);
    inFlight.add(sending);
    void sending.catch(() => {}).finally(() => inFlight.delete(sending));
    return sending;
  };
  const setVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version: string) => {
    session.protocolVersion = version;
    setVersion?.(version);
  };
  try {
    await client.connect(transport, { timeout: options.connectTimeoutMs ?? 15_000, signal: options.signal });
  } catch (error) {
    await client.close().catch(() => {});
    throw upstreamFailure(error);
  }
  return {
    session,
    close: async () => {
      await settleWithin(inFlight, 1_000);
      // Streamable HTTP: end the session upstream too (DELETE), so it does not wait for its expiry.
      if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
        await settleWithin(new Set([transport.terminateSession().catch(() => {})]), 1_000);
      }
      await client.close().catch(() => {});
    },
  };
}

/** Opens an initialized MCP session, runs `fn`, and always closes the session (not a stdio child). */
export async function withUpstreamClient<T>(spec: UpstreamSpec, fn: (session: UpstreamSession) => Promise<T>, options: UpstreamOptions = {}): Promise<T> {
  if (spec.transport === 'stdio') {
    return withStdioClient(spec.key, spec.server, (client, lease) => fn({ client, protocolVersion: null, sensitiveValues: lease.sensitiveValues })).catch((error: unknown) => {
      throw upstreamFailure(error);
    });
  }
  // Offers the upstream nothing: calls that relay server requests use a pool (./session-pool.ts).
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const { session, close } = await openUpstreamSession(client, spec, options);
  try {
    return await fn(session);
  } finally {
    await close();
  }
}

async function settleWithin(pending: Set<Promise<unknown>>, ms: number): Promise<void> {
  if (!pending.size) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
