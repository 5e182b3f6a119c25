// The server side of MCP's legacy HTTP+SSE transport (protocol 2024-11-05) on web-standard
// Request/Response, so it runs inside Next.js App Router route handlers (the SDK's
// SSEServerTransport writes to a Node `res` and cannot).
//
// GET …/sse      → `response()`: a text/event-stream whose first event is `endpoint` carrying this
//                  session's messages URL; JSON-RPC from the server follows as `message` events.
// POST …/messages → `handlePostMessage()`: validated JSON-RPC from the client, answered 202;
//                  the replies travel down the event stream.
//
// Mirrors the SDK's server/sse.js (endpoint event, `message` events, JSONRPCMessageSchema
// validation, onmessage extra = { requestInfo, authInfo }) and adds what a gateway needs: bounded
// outbound queue (a client that stops reading is disconnected, memory never grows without bound),
// bounded request bodies, keep-alive comments, JSON-RPC error bodies, batches of the 2024-11-05
// protocol delivered element by element.
import { randomUUID } from 'node:crypto';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage, type MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import type { StreamAccount } from './outbound';

export const DEFAULT_KEEP_ALIVE_MS = 15_000;
export const DEFAULT_MAX_QUEUED_MESSAGES = 1000;
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Same bound as the SDK's Streamable HTTP transport (server/requestBody.js MAX_BATCH_SIZE). */
export const DEFAULT_MAX_BATCH_SIZE = 100;

export const SSE_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
});

export interface WebSseServerTransportOptions {
  /** Session id announced in the endpoint URL; a random UUID by default. */
  sessionId?: string;
  /**
   * The messages endpoint to announce, relative (`/.well-known/mcp/messages`, recommended: the
   * SDK client resolves it against the SSE URL and refuses another origin) or absolute. The
   * session id is set as the `sessionId` query parameter (replacing one already present).
   */
  messagesUrl: string;
  /** Interval of `: keepalive` comment lines; 0 disables them. Default 15 000. */
  keepAliveMs?: number;
  /** Outbound messages waiting for a slow client before the session is closed. Default 1000. */
  maxQueuedMessages?: number;
  /** Outbound bytes waiting for a slow client before the session is closed. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Largest accepted POST body in bytes (413 above). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Largest accepted JSON-RPC batch (400 -32600 above). Default 100. */
  maxBatchSize?: number;
  /**
   * Also counts what waits for a slow client against its agent's, organization's and this
   * process's caps (./outbound.ts); passing one of those closes the session like its own caps.
   */
  account?: StreamAccount;
}

export interface HandlePostOptions {
  /** Passed to onmessage as `extra.authInfo` (the caller authenticates before calling). */
  authInfo?: AuthInfo;
}

/** Thrown (and reported through onerror) when a client does not keep up with its stream. */
export class SseQueueOverflowError extends Error {
  constructor(
    readonly sessionId: string,
    readonly queuedMessages: number,
    readonly queuedBytes: number,
  ) {
    super(`SSE session ${sessionId}: client is not reading (${queuedMessages} messages, ${queuedBytes} bytes queued); session closed`);
    this.name = 'SseQueueOverflowError';
  }
}

const encoder = new TextEncoder();
const KEEPALIVE_CHUNK = encoder.encode(': keepalive\n\n');
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A JSON-RPC error response (id null) as the SDK's Streamable HTTP transport answers them. */
export function jsonRpcErrorResponse(status: number, code: number, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** `type/subtype` of a Content-Type header, lowercased, plus its charset parameter; undefined if absent. */
function parseContentType(header: string | null): { essence: string; charset?: string } | undefined {
  if (!header) return undefined;
  const [essenceRaw = '', ...params] = header.split(';');
  const essence = essenceRaw.trim().toLowerCase();
  // A comma means joined duplicate headers: ambiguous, refuse.
  if (!essence || header.includes(',')) return undefined;
  let charset: string | undefined;
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() === 'charset') {
      charset = param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    }
  }
  return { essence, charset };
}

type BodyResult = { tooLarge: true } | { tooLarge: false; bytes: Uint8Array };

/** Reads at most maxBytes of a request body; a declared Content-Length above it is refused unread. */
async function readBody(req: Request, maxBytes: number): Promise<BodyResult> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) return { tooLarge: true };
  if (req.body === null) return { tooLarge: false, bytes: new Uint8Array(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { tooLarge: true };
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { tooLarge: false, bytes };
}

function endpointFor(messagesUrl: string, sessionId: string): string {
  let absolute: URL | undefined;
  try {
    absolute = new URL(messagesUrl);
  } catch {
    absolute = undefined;
  }
  if (absolute) {
    absolute.searchParams.set('sessionId', sessionId);
    return absolute.href;
  }
  // Relative: resolve against a dummy base, as the SDK does, and keep path + query + hash.
  const url = new URL(messagesUrl, 'http://localhost');
  url.searchParams.set('sessionId', sessionId);
  return url.pathname + url.search + url.hash;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

export class WebSseServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  readonly sessionId: string;
  /** The URL announced in the `endpoint` event. */
  readonly endpoint: string;

  private readonly keepAliveMs: number;
  private readonly maxQueuedMessages: number;
  private readonly maxQueuedBytes: number;
  private readonly maxMessageBytes: number;
  private readonly maxBatchSize: number;
  private readonly account: StreamAccount | undefined;

  private readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Chunks the client has not pulled yet (our own queue, so it can be counted and capped). */
  private readonly queue: { chunk: Uint8Array; isMessage: boolean; accounted: boolean }[] = [];
  private queuedBytes = 0;
  private queuedMessages = 0;
  /** A read is pending on the stream and nothing was queued: enqueue directly. */
  private waiting = false;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private responded = false;
  private started = false;
  private closed = false;

  constructor(options: WebSseServerTransportOptions) {
    this.sessionId = options.sessionId ?? randomUUID();
    this.endpoint = endpointFor(options.messagesUrl, this.sessionId);
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    this.maxQueuedMessages = positive(options.maxQueuedMessages, DEFAULT_MAX_QUEUED_MESSAGES, 'maxQueuedMessages');
    this.maxQueuedBytes = positive(options.maxQueuedBytes, DEFAULT_MAX_QUEUED_BYTES, 'maxQueuedBytes');
    this.maxMessageBytes = positive(options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes');
    this.maxBatchSize = positive(options.maxBatchSize, DEFAULT_MAX_BATCH_SIZE, 'maxBatchSize');
    this.account = options.account;
    if (this.account) {
      // Picked by the ledger to make room under a full shared cap: closed as at its own caps.
      this.account.onEvicted = (error) => {
        this.onerror?.(error);
        this.shutdown(error);
      };
    }

    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          const entry = this.queue.shift();
          if (entry) {
            this.queuedBytes -= entry.chunk.byteLength;
            if (entry.isMessage) this.queuedMessages -= 1;
            if (entry.accounted) this.account?.release(entry.chunk.byteLength);
            this.controller.enqueue(entry.chunk);
          } else {
            this.waiting = true;
          }
        },
        cancel: () => {
          // The client went away (Next aborts the pipe when the socket closes).
          this.shutdown();
        },
      },
      { highWaterMark: 0 },
    );
    // The endpoint event is the first chunk: Next.js flushes headers only with the first chunk.
    this.push(encoder.encode(`event: endpoint\ndata: ${this.endpoint}\n\n`), false);
  }

  /** Whether the session is closed (client gone, close() called, or overflow). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The event-stream Response for the GET request; callable once. Pass the request's signal to
   * close the session when the request is aborted, in addition to stream cancellation.
   */
  response(options?: { signal?: AbortSignal; headers?: Record<string, string> }): Response {
    if (this.responded) throw new Error('WebSseServerTransport.response() already called');
    this.responded = true;
    const signal = options?.signal;
    if (signal) {
      if (signal.aborted) this.shutdown();
      else signal.addEventListener('abort', () => this.shutdown(), { once: true });
    }
    if (!this.closed && this.keepAliveMs > 0 && Number.isFinite(this.keepAliveMs)) {
      this.keepAliveTimer = setInterval(() => this.keepAlive(), Math.min(this.keepAliveMs, MAX_TIMER_DELAY_MS));
      this.keepAliveTimer.unref?.();
    }
    return new Response(this.stream, { status: 200, headers: { ...options?.headers, ...SSE_RESPONSE_HEADERS } });
  }

  async start(): Promise<void> {
    if (this.started) {
      throw new Error('WebSseServerTransport already started! If using Server class, note that connect() calls start() automatically.');
    }
    this.started = true;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('Not connected');
    const chunk = encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    // Nothing queued → it goes out (one oversized message alone is not an overflow); otherwise
    // the caps apply to what the client has not taken yet.
    const backlog = !this.waiting && this.queue.length > 0;
    if (backlog) {
      const overOwn = this.queuedMessages + 1 > this.maxQueuedMessages || this.queuedBytes + chunk.byteLength > this.maxQueuedBytes;
      const refused = overOwn ? 'stream' : (this.account?.admit(chunk.byteLength) ?? null);
      if (refused) {
        if (refused !== 'stream') this.account?.overflow(refused);
        const error = new SseQueueOverflowError(this.sessionId, this.queuedMessages, this.queuedBytes);
        this.onerror?.(error);
        this.shutdown(error);
        throw error;
      }
    }
    this.push(chunk, true, backlog && this.account !== undefined);
  }

  /** Closes the stream (idempotent); onclose fires once. */
  async close(): Promise<void> {
    this.shutdown();
  }

  /**
   * Handles a POST to the messages endpoint. The caller has authenticated the request and matched
   * it to this session. `parsedBody`, when given, is used instead of reading the body (its size is
   * then the caller's business).
   */
  async handlePostMessage(req: Request, parsedBody?: unknown, options?: HandlePostOptions): Promise<Response> {
    if (this.closed) {
      return jsonRpcErrorResponse(404, -32001, 'Session not found');
    }
    const ct = parseContentType(req.headers.get('content-type'));
    if (!ct || ct.essence !== 'application/json' || (ct.charset !== undefined && ct.charset !== 'utf-8' && ct.charset !== 'utf8')) {
      const message = 'Unsupported Media Type: Content-Type must be application/json';
      this.onerror?.(new Error(message));
      return jsonRpcErrorResponse(415, -32000, message);
    }

    let raw: unknown;
    if (parsedBody !== undefined) {
      raw = parsedBody;
    } else {
      let body: BodyResult;
      try {
        body = await readBody(req, this.maxMessageBytes);
      } catch (error) {
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        return jsonRpcErrorResponse(400, -32700, 'Parse error: could not read request body');
      }
      if (body.tooLarge) {
        const message = `Payload Too Large: request body must not exceed ${this.maxMessageBytes} bytes`;
        this.onerror?.(new Error(message));
        return jsonRpcErrorResponse(413, -32000, message);
      }
      try {
        raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.bytes));
      } catch {
        this.onerror?.(new Error('Parse error: Invalid JSON'));
        return jsonRpcErrorResponse(400, -32700, 'Parse error: Invalid JSON');
      }
    }

    const batch = Array.isArray(raw);
    const elements: unknown[] = batch ? (raw as unknown[]) : [raw];
    if (batch && elements.length === 0) {
      this.onerror?.(new Error('Invalid Request: empty batch'));
      return jsonRpcErrorResponse(400, -32600, 'Invalid Request: empty batch');
    }
    if (elements.length > this.maxBatchSize) {
      const message = `Invalid Request: batch must not exceed ${this.maxBatchSize} messages`;
      this.onerror?.(new Error(message));
      return jsonRpcErrorResponse(400, -32600, message);
    }
    const messages: JSONRPCMessage[] = [];
    for (const element of elements) {
      const parsed = JSONRPCMessageSchema.safeParse(element);
      if (!parsed.success) {
        this.onerror?.(parsed.error);
        return jsonRpcErrorResponse(400, -32600, 'Invalid Request: not a valid JSON-RPC message');
      }
      messages.push(parsed.data);
    }

    // The body may have taken a while: the stream may have closed meanwhile.
    if (this.closed) {
      return jsonRpcErrorResponse(404, -32001, 'Session not found');
    }
    const extra: MessageExtraInfo = {
      requestInfo: { headers: Object.fromEntries(req.headers.entries()), url: new URL(req.url) },
      ...(options?.authInfo ? { authInfo: options.authInfo } : {}),
    };
    for (const message of messages) {
      this.onmessage?.(message, extra);
    }
    return new Response('Accepted', { status: 202, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }

  private push(chunk: Uint8Array, isMessage: boolean, accounted = false): void {
    if (this.closed) {
      if (accounted) this.account?.release(chunk.byteLength);
      return;
    }
    if (this.waiting) {
      this.waiting = false;
      if (accounted) this.account?.release(chunk.byteLength);
      this.controller.enqueue(chunk);
      return;
    }
    this.queue.push({ chunk, isMessage, accounted });
    this.queuedBytes += chunk.byteLength;
    if (isMessage) this.queuedMessages += 1;
  }

  private keepAlive(): void {
    // Only when the client is idle-waiting: if data is queued, a comment adds nothing.
    if (this.closed || !this.waiting) return;
    this.push(KEEPALIVE_CHUNK, false);
  }

  private shutdown(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
    const pending = this.queue.splice(0);
    this.queuedBytes = 0;
    this.queuedMessages = 0;
    this.account?.releaseAll();
    try {
      if (error) {
        this.controller.error(error);
      } else {
        // A graceful close still delivers what was already queued (as res.end() would).
        for (const entry of pending) this.controller.enqueue(entry.chunk);
        this.controller.close();
      }
    } catch {
      // Already cancelled or errored by the consumer.
    }
    this.onclose?.();
  }
}
