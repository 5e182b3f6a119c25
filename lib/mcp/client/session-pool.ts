// Upstream MCP sessions kept open and shared, instead of one session per call. Opening a
// session costs an initialize round trip (and, over HTTP, a connection); a pooled session
// answers concurrent calls over one initialized session, which is what makes the gateway's
// per-call overhead small (bench/gateway.ts).
//
// A pool belongs to one caller context: the gateway keeps one per downstream MCP session (so
// the upstream's log messages and sampling/elicitation requests only ever reach that client),
// and REST runs share one process-wide pool that offers the upstream no client capabilities.
// Sessions are keyed by everything that reaches the upstream (transport, URL, headers — so a
// rotated credential opens a new session), closed after an idle period, and dropped at once
// when their transport fails. Stdio upstreams keep going through the process pool.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
  type ClientCapabilities,
  type Notification,
} from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '@/lib/api/errors';
import { logger } from '@/lib/observability/logger';
import { CLIENT_INFO, openUpstreamSession, withUpstreamClient, type UpstreamSession, type UpstreamSpec } from './connect';

/** What one call wants from the session while it is in flight. */
export interface CallHooks {
  /** The upstream's log messages during the call. */
  onLog?: (params: { level: string; logger?: string; data?: unknown }) => void;
  /** A server-to-client request (sampling/createMessage, elicitation/create) during the call. */
  onServerRequest?: (method: 'sampling/createMessage' | 'elicitation/create', params: unknown, signal: AbortSignal) => Promise<unknown>;
}

export interface UseOptions {
  signal?: AbortSignal;
  /**
   * Callers in different partitions never share a session (the shared pool partitions by agent:
   * an upstream's per-session state must not pass between agents or organizations).
   */
  partition?: string;
  /** Time for connect + initialize when no session is open yet. */
  connectTimeoutMs?: number;
  hooks?: CallHooks;
}

export interface PoolOptions {
  /** What the pool's sessions offer the upstream at initialize (e.g. sampling, elicitation). */
  capabilities?: ClientCapabilities;
  /** Idle time after which an unused session is closed (default 60 s). */
  idleMs?: number;
  /** Open sessions at most; past it the longest-idle unused one is closed (default 32). */
  maxSessions?: number;
}

interface Pooled {
  key: string;
  session: UpstreamSession;
  close: () => Promise<void>;
  /** Calls in flight, in start order: the latest one receives logs and server requests. */
  calls: CallHooks[];
  /** Holders: their notification handler, and what to call when the session ends under them. */
  holds: Map<(n: Notification) => void, (() => void) | undefined>;
  lastUsed: number;
  /** No new calls: taken out of the pool (closed once its last call ended). */
  dead: boolean;
  timeoutsInARow: number;
  closing?: boolean;
}

function keyOf(spec: Extract<UpstreamSpec, { url: string }>, partition: string): string {
  const headers = Object.entries(spec.headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify([partition, spec.transport, spec.url, headers])).digest('base64url');
}

/**
 * A failure that ends the session for every call on it: the connection closed, or the upstream
 * no longer knows the session. Anything else — an HTTP error answering one POST, a malformed
 * result, a time-out — is that call's own failure; the calls sharing the session go on.
 */
function endsSession(error: unknown): boolean {
  if (error instanceof McpError) return error.code === ErrorCode.ConnectionClosed;
  return sessionExpired(error);
}

/** The upstream forgot the session (it restarted, or expired it): nothing was processed, a new session may retry. */
function sessionExpired(error: unknown): boolean {
  return error instanceof StreamableHTTPError && error.code === 404;
}

/**
 * Which call a message from the upstream belongs to. Over Streamable HTTP the upstream sends a
 * call's log messages and server requests on the response stream of that call's own request, and
 * the SDK's transport reads that stream in the async context of the request that opened it — so
 * a call run inside `callInFlight.run(hooks, …)` finds its own hooks here, even while other calls
 * share the session. Messages from a stream no call opened (the standalone GET stream, legacy SSE,
 * WebSocket) have none here and go to the latest call, as the protocol gives nothing better.
 */
const callInFlight = new AsyncLocalStorage<CallHooks>();

/**
 * Upstream sessions open in this process, over all pools: each holds a socket (and a stream) to a
 * tenant's server, so their number is bounded however many clients and connections there are.
 */
const live = new Set<object>();
const MAX_LIVE_SESSIONS = 2_000;

/** Consecutive time-outs after which a session is taken as stuck (its answers no longer arrive). */
const STUCK_AFTER_TIMEOUTS = 3;

export class UpstreamSessionPool {
  private readonly sessions = new Map<string, Pooled>();
  private readonly opening = new Map<string, Promise<Pooled>>();
  private readonly capabilities: ClientCapabilities;
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: PoolOptions = {}) {
    this.capabilities = options.capabilities ?? {};
    this.idleMs = options.idleMs ?? 60_000;
    this.maxSessions = options.maxSessions ?? 32;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.floor(this.idleMs / 2)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Runs `fn` on an initialized session to `spec`, opened now or shared with other calls. */
  async use<T>(spec: UpstreamSpec, fn: (session: UpstreamSession) => Promise<T>, options: UseOptions = {}): Promise<T> {
    // A shared stdio child is already pooled by the process pool (and cannot tell callers apart).
    if (spec.transport === 'stdio') return withUpstreamClient(spec, fn, { signal: options.signal, connectTimeoutMs: options.connectTimeoutMs });
    for (let attempt = 0; ; attempt++) {
      const pooled = await this.acquire(spec, options);
      const hooks = options.hooks ?? {};
      pooled.calls.push(hooks);
      try {
        const result = await callInFlight.run(hooks, () => fn(pooled.session));
        pooled.timeoutsInARow = 0;
        return result;
      } catch (error) {
        if (error instanceof McpError && error.code === ErrorCode.RequestTimeout && ++pooled.timeoutsInARow >= STUCK_AFTER_TIMEOUTS) this.retire(pooled);
        // A call its caller gave up on is cancelled upstream; the session serves the others on.
        else if (endsSession(error) && !options.signal?.aborted) this.retire(pooled);
        if (attempt === 0 && sessionExpired(error) && !options.signal?.aborted) continue;
        throw error;
      } finally {
        const at = pooled.calls.indexOf(hooks);
        if (at >= 0) pooled.calls.splice(at, 1);
        pooled.lastUsed = Date.now();
        if (pooled.dead && pooled.calls.length === 0) void this.shut(pooled);
      }
    }
  }

  /**
   * Keeps a session to `spec` open (not idle-closed) until release(); `onNotification` receives
   * every notification the upstream sends on it (e.g. notifications/resources/updated), and
   * `onEnded` is called if the session ends first (the upstream went away or forgot it) — the
   * holder then holds a new one if it still needs it.
   */
  async hold(
    spec: UpstreamSpec,
    onNotification: (n: { method: string; params?: unknown }) => void,
    options: Pick<UseOptions, 'partition' | 'connectTimeoutMs'> & { onEnded?: () => void } = {},
  ): Promise<{ session: UpstreamSession; release: () => void }> {
    if (spec.transport === 'stdio') throw new McpError(ErrorCode.InvalidRequest, 'Subscriptions are not relayed from a shared stdio server');
    const pooled = await this.acquire(spec, options);
    pooled.holds.set(onNotification, options.onEnded);
    return {
      session: pooled.session,
      release: () => {
        pooled.holds.delete(onNotification);
        pooled.lastUsed = Date.now();
        if (pooled.dead && pooled.calls.length === 0 && pooled.holds.size === 0) void this.shut(pooled);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((p) => this.shut(p)));
  }

  private async acquire(spec: Extract<UpstreamSpec, { url: string }>, options: UseOptions): Promise<Pooled> {
    if (this.closed) throw new McpError(ErrorCode.ConnectionClosed, 'The session is closed');
    const key = keyOf(spec, options.partition ?? '');
    const open = this.sessions.get(key);
    if (open && !open.dead) {
      open.lastUsed = Date.now();
      return open;
    }
    // Calls arriving while the session is being opened wait for the same initialize; one
    // caller giving up stops its own wait, not the opening the others wait for.
    let pending = this.opening.get(key);
    if (!pending) {
      pending = this.open(key, spec, options).finally(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return untilAborted(pending, options.signal);
  }

  private async open(key: string, spec: Extract<UpstreamSpec, { url: string }>, options: UseOptions): Promise<Pooled> {
    this.trim(1);
    if (this.sessions.size >= this.maxSessions) {
      throw new AppError('rate_limited', `This client already has ${this.maxSessions} upstream sessions in use; retry when some calls have ended`, { retry_after: 1 });
    }
    if (live.size >= MAX_LIVE_SESSIONS) {
      throw new AppError('unavailable', 'The gateway has too many upstream sessions open; retry shortly', { retry_after: 5 });
    }
    const client = new Client(CLIENT_INFO, { capabilities: this.capabilities });
    const pooled: Pooled = {
      key,
      session: undefined as unknown as UpstreamSession,
      close: async () => {},
      calls: [],
      holds: new Map(),
      lastUsed: Date.now(),
      dead: false,
      timeoutsInARow: 0,
    };
    /** The hook of the call this message came for, else of the latest call that has one. */
    const hookFor = <K extends keyof CallHooks>(name: K): CallHooks[K] | undefined => {
      const own = callInFlight.getStore();
      if (own && pooled.calls.includes(own)) return own[name];
      for (let i = pooled.calls.length - 1; i >= 0; i--) if (pooled.calls[i]![name]) return pooled.calls[i]![name];
      return undefined;
    };
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      hookFor('onLog')?.(n.params);
      for (const h of pooled.holds.keys()) h(n);
    });
    client.fallbackNotificationHandler = async (n) => {
      for (const h of pooled.holds.keys()) h(n);
    };
    const relay = (method: 'sampling/createMessage' | 'elicitation/create') => async (req: { params: unknown }, extra: { signal: AbortSignal }) => {
      const handler = hookFor('onServerRequest');
      if (!handler) throw new McpError(ErrorCode.InvalidRequest, `No call in progress to relay ${method} to`);
      return (await handler(method, req.params, extra.signal)) as never;
    };
    if (this.capabilities.sampling) client.setRequestHandler(CreateMessageRequestSchema, relay('sampling/createMessage'));
    if (this.capabilities.elicitation) client.setRequestHandler(ElicitRequestSchema, relay('elicitation/create'));

    // A hard deadline on the whole opening: an upstream that sends stream headers and then nothing
    // would otherwise keep every caller of this key waiting on it.
    const deadlineMs = options.connectTimeoutMs ?? 15_000;
    let deadline: NodeJS.Timeout | undefined;
    const opened = await Promise.race([
      openUpstreamSession(client, spec, { connectTimeoutMs: deadlineMs }),
      new Promise<never>((_, reject) => {
        deadline = setTimeout(() => {
          void client.close().catch(() => {});
          reject(new McpError(ErrorCode.RequestTimeout, 'The upstream server did not answer in time'));
        }, deadlineMs + 1_000);
      }),
    ]).finally(() => clearTimeout(deadline));
    pooled.session = opened.session;
    pooled.close = opened.close;
    client.onclose = () => this.drop(pooled);
    if (this.closed) {
      await opened.close();
      throw new McpError(ErrorCode.ConnectionClosed, 'The session is closed');
    }
    this.sessions.set(key, pooled);
    live.add(pooled);
    return pooled;
  }

  /** The transport died: forgotten at once, calls still on it end with their own errors. */
  private drop(pooled: Pooled): void {
    this.forget(pooled);
    void this.shut(pooled);
  }

  /** No new calls on this session; it is closed when the calls still on it have ended (its holders are told). */
  private retire(pooled: Pooled): void {
    this.forget(pooled);
    if (pooled.calls.length === 0) void this.shut(pooled);
  }

  private forget(pooled: Pooled): void {
    pooled.dead = true;
    if (this.sessions.get(pooled.key) === pooled) this.sessions.delete(pooled.key);
  }

  private async shut(pooled: Pooled): Promise<void> {
    pooled.dead = true;
    if (pooled.closing) return;
    pooled.closing = true;
    live.delete(pooled);
    const ended = [...pooled.holds.values()];
    pooled.holds.clear();
    // Holders learn the session is gone (unless the pool itself is closing: its owner is too).
    if (!this.closed) for (const onEnded of ended) onEnded?.();
    await pooled.close().catch((error: unknown) => logger().debug({ err: error }, 'closing a pooled upstream session failed'));
  }

  private idle(p: Pooled, now: number): boolean {
    return p.calls.length === 0 && p.holds.size === 0 && now - p.lastUsed >= this.idleMs;
  }

  private sweep(): void {
    const now = Date.now();
    for (const p of [...this.sessions.values()]) if (this.idle(p, now)) this.drop(p);
  }

  /** Makes room for `incoming` more sessions under the cap: the longest-unused ones without calls or holds go first. */
  private trim(incoming: number): void {
    if (this.sessions.size + incoming <= this.maxSessions) return;
    const unused = [...this.sessions.values()].filter((p) => p.calls.length === 0 && p.holds.size === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const p of unused) {
      if (this.sessions.size + incoming <= this.maxSessions) break;
      this.drop(p);
    }
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

let shared: UpstreamSessionPool | null = null;

/** The process-wide pool for calls without a downstream MCP session (REST, the console); callers partition it by agent. */
export function sharedUpstreamPool(): UpstreamSessionPool {
  shared ??= new UpstreamSessionPool();
  return shared;
}

export async function closeSharedUpstreamPool(): Promise<void> {
  const pool = shared;
  shared = null;
  await pool?.close();
}
