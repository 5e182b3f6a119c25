// The MCP client side of the gateway: one function opens an initialized MCP session to an
// upstream, whatever its transport, and closes it afterwards. HTTP, SSE and WebSocket go only
// through the guarded fetch/socket (address checks, pinning, caps); stdio goes only through the
// process pool (allowlist, clean environment, process groups).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
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
  const message = error instanceof Error ? error.message : String(error);
  if (/timed? ?out|timeout/i.test(message)) return new AppError('timeout', 'The upstream server did not answer in time');
  if (/could not reach the upstream|not allowed/i.test(message)) {
    // The legacy SSE client keeps only the text of the guarded fetch's error; it is already public.
    return new AppError(/not allowed/i.test(message) ? 'invalid_input' : 'upstream_error', message.replace(/^.*?: /, ''));
  }
  return new AppError('upstream_error', 'The upstream server did not speak MCP as expected');
}

export interface UpstreamSession {
  client: Client;
  /** The protocol version agreed at initialize (null where the pool's transport does not tell). */
  protocolVersion: string | null;
}

/** Opens an initialized MCP session, runs `fn`, and always closes the session (not a stdio child). */
export async function withUpstreamClient<T>(spec: UpstreamSpec, fn: (session: UpstreamSession) => Promise<T>, options: UpstreamOptions = {}): Promise<T> {
  if (spec.transport === 'stdio') {
    return withStdioClient(spec.key, spec.server, (client) => fn({ client, protocolVersion: null })).catch((error: unknown) => {
      throw upstreamFailure(error);
    });
  }
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const transport = networkTransport(spec);
  const session: UpstreamSession = { client, protocolVersion: null };
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
  try {
    return await fn(session);
  } finally {
    await client.close().catch(() => {});
  }
}
