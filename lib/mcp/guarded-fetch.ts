// The one way the gateway makes HTTP, SSE and WebSocket requests to upstream servers, whose
// addresses tenants choose (ARCHITECTURE.md "Upstream safety"). Every request:
//   1. accepts only http(s) (ws(s) for WebSocket) URLs without credentials in them;
//   2. resolves the host name ONCE (dns.lookup, all addresses) and checks EVERY address against
//      address-policy.ts — one refused address refuses the request;
//   3. connects to a checked address and nothing else (see "Pinning" below);
//   4. follows at most 5 redirects itself, each new URL going through 1–3 again;
//   5. caps the response body and the time, and fails with one error class whose public message
//      never tells "refused" from "timed out" from "no such host" for a non-public target, so that
//      `test` cannot be used as a port scanner (details go to the log only).
//
// Pinning: undici is not installed as a module here (Node's fetch bundles it but does not export
// its Agent), so requests go through node:http/node:https with `host` set to the checked IP
// address itself — no name is looked up at connect time, so a DNS answer that changes between
// check and connect (rebinding) cannot move the request. The original name still travels in the
// Host header and, for https, as `servername`, which Node uses both for SNI and to verify the
// certificate (checkServerIdentity) — TLS is verified against the name the tenant gave. The
// keep-alive agents pool sockets per IP address (and servername), so a pooled socket is always to
// an address that was checked. The result is adapted to a fetch Response with a streaming body,
// so guardedFetch can be passed as the MCP SDK transports' `fetch` option (SSE included).
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { AppError, type ErrorCode } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import { judgeAddress, type AddressScope } from './address-policy';

export type UpstreamFailure =
  | 'blocked_address'
  | 'invalid_url'
  | 'unreachable'
  | 'timeout'
  | 'too_large'
  | 'bad_redirect';

const FAILURES: Record<UpstreamFailure, { code: ErrorCode; message: string }> = {
  blocked_address: { code: 'invalid_input', message: 'The upstream address is not allowed' },
  invalid_url: { code: 'invalid_input', message: 'The upstream URL is not valid' },
  unreachable: { code: 'upstream_error', message: 'Could not reach the upstream server' },
  timeout: { code: 'timeout', message: 'The upstream server did not answer in time' },
  too_large: { code: 'upstream_error', message: 'The upstream response is too large' },
  bad_redirect: { code: 'upstream_error', message: 'The upstream server redirected to a URL that is not allowed' },
};

/**
 * Why an upstream request failed. It is an AppError (the route wrapper answers it as 400, 502 or
 * 504); its message is safe to show to the tenant, the cause is only logged.
 */
export class UpstreamRequestError extends AppError {
  constructor(
    readonly reason: UpstreamFailure,
    message: string = FAILURES[reason].message,
  ) {
    super(FAILURES[reason].code, message, { upstream: reason });
    this.name = 'UpstreamRequestError';
  }
}

/** Finds an UpstreamRequestError under wrappers (the MCP SDK may wrap what a fetch throws). */
export function upstreamErrorOf(error: unknown): UpstreamRequestError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    if (current instanceof UpstreamRequestError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export type GuardedFetchInit = RequestInit & {
  /** Body cap in bytes; for text/event-stream responses, per event. Default UPSTREAM_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** Whole-request deadline (an event stream: until its headers). Default UPSTREAM_TIMEOUT_MS. */
  timeoutMs?: number;
};

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type UpstreamResolver = (hostname: string) => Promise<ResolvedAddress[]>;

interface TestHooks {
  /** Replaces DNS: lets tests answer a name with any address (rebinding, blocked answers). */
  resolve?: UpstreamResolver;
  /** Extra trusted CA for https/wss upstreams, so tests can prove certificate checks. */
  ca?: string | Buffer;
}
let testHooks: TestHooks = {};

/** Tests only: a fake resolver and/or CA; undefined restores the defaults. */
export function setUpstreamHooksForTests(hooks: TestHooks | undefined): void {
  testHooks = hooks ?? {};
}

const defaultResolver: UpstreamResolver = (hostname) =>
  dns.promises.lookup(hostname, { all: true, verbatim: true });

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
// Hop-by-hop and framing headers are ours to set, never the caller's.
const MANAGED_REQUEST_HEADERS = ['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'upgrade', 'te'];
// Credentials that must not follow a redirect to another origin (as fetch does for Authorization).
const ORIGIN_BOUND_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
// Connection errors after which the next checked address of the same name is worth a try.
const ROUTE_ERRORS = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EAFNOSUPPORT', 'EADDRNOTAVAIL']);

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

/** Why our own controller aborted a request: the deadline or the connect timeout. */
class Expired extends Error {
  constructor(readonly phase: 'deadline' | 'connect') {
    super(`upstream ${phase} timeout`);
  }
}

interface Target {
  url: URL;
  /** Host name without IPv6 brackets. */
  hostname: string;
  /** Every address the name resolved to, all checked; requests use them in this order. */
  addresses: ResolvedAddress[];
  /** 'private' when any address needed UPSTREAM_ALLOW_PRIVATE. */
  scope: AddressScope;
}

/** The origin alone for logs: paths and queries can carry tokens. */
const originOf = (url: URL) => `${url.protocol}//${url.host}`;

function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code } = error as { code?: unknown };
  return { name: error.name, message: error.message, ...(code ? { code } : {}) };
}

function parseUpstreamUrl(input: string | URL, protocols: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UpstreamRequestError('invalid_url');
  }
  if (!protocols.includes(url.protocol)) {
    throw new UpstreamRequestError('invalid_url', `The upstream URL must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  if (url.username || url.password) {
    throw new UpstreamRequestError('invalid_url', 'The upstream URL must not contain credentials');
  }
  return url;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Resolves the URL's host once and checks every address. Throws blocked_address (the same
 * message whatever listens there — nothing is contacted) or unreachable (no such name).
 */
async function resolveTarget(url: URL, signal: AbortSignal): Promise<Target> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const allowPrivate = env().UPSTREAM_ALLOW_PRIVATE;
  let addresses: ResolvedAddress[];
  const literalFamily = net.isIP(hostname);
  if (literalFamily) {
    addresses = [{ address: hostname, family: literalFamily }];
  } else {
    try {
      addresses = await abortable((testHooks.resolve ?? defaultResolver)(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      logger().warn({ upstream: originOf(url), err: describeError(error) }, 'upstream name did not resolve');
      throw new UpstreamRequestError('unreachable');
    }
    if (addresses.length === 0) throw new UpstreamRequestError('unreachable');
  }
  let scope: AddressScope = 'public';
  for (const { address } of addresses) {
    const verdict = judgeAddress(address, allowPrivate);
    if (!verdict.allowed) {
      logger().warn({ upstream: originOf(url), address, policy: verdict.reason }, 'upstream address refused');
      throw new UpstreamRequestError('blocked_address');
    }
    if (verdict.scope === 'private') scope = 'private';
  }
  return { url, hostname, addresses, scope };
}

/**
 * Turns a failure into the public error. For a target that is not public, every failure —
 * refused, reset, no answer, timeout, TLS or HTTP garbage — is the same 'unreachable', so the
 * answer says nothing about which ports are open. Aborts by the caller pass through unchanged.
 */
function publicFailure(error: unknown, call: CallLifetime, target: Target | undefined): unknown {
  if (error instanceof UpstreamRequestError) return error;
  if (call.callerAborted) return call.signal.reason;
  const timedOut = error instanceof Expired || call.signal.reason instanceof Expired;
  logger().warn(
    { upstream: target ? originOf(target.url) : undefined, scope: target?.scope, timed_out: timedOut, err: describeError(error) },
    'upstream request failed',
  );
  return new UpstreamRequestError(timedOut && target?.scope === 'public' ? 'timeout' : 'unreachable');
}

/** The deadline and the caller's signal of one guardedFetch call, redirects and body included. */
class CallLifetime {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  readonly signal = this.controller.signal;

  constructor(
    private readonly caller: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(() => this.controller.abort(new Expired('deadline')), timeoutMs);
    caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  private readonly onCallerAbort = () => this.controller.abort(this.caller?.reason);

  get callerAborted(): boolean {
    return this.signal.aborted && !(this.signal.reason instanceof Expired);
  }

  /** Event streams live until the caller ends them: only their headers are under the deadline. */
  stopDeadline(): void {
    clearTimeout(this.timer);
  }

  end(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}

interface OutgoingRequest {
  method: string;
  headers: Headers;
  body: Buffer | undefined;
}

/** One HTTP exchange with one checked address; resolves at the response headers. */
function exchange(
  target: Target,
  pinned: ResolvedAddress,
  request: OutgoingRequest,
  signal: AbortSignal,
  connectTimeoutMs: number,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = target.url.protocol === 'https:';
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    for (const name of MANAGED_REQUEST_HEADERS) delete headers[name];
    headers.host = target.url.host;
    if (request.body) headers['content-length'] = String(request.body.length);
    const options: https.RequestOptions = {
      host: pinned.address,
      family: pinned.family,
      port: Number(target.url.port) || (secure ? 443 : 80),
      method: request.method,
      path: `${target.url.pathname}${target.url.search}`,
      headers,
      agent: secure ? httpsAgent : httpAgent,
      signal,
    };
    if (secure) {
      // SNI and certificate verification use the tenant's host name; an IP literal has no SNI
      // and is verified against the IP itself.
      options.servername = net.isIP(target.hostname) ? '' : target.hostname;
      if (testHooks.ca) options.ca = testHooks.ca;
    }
    let connectTimer: NodeJS.Timeout | undefined;
    const req = (secure ? https : http).request(options);
    req.once('socket', (socket) => {
      if (!socket.connecting) return; // a pooled keep-alive socket
      connectTimer = setTimeout(() => req.destroy(new Expired('connect')), connectTimeoutMs);
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    req.once('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    req.once('error', (error) => {
      clearTimeout(connectTimer);
      reject(error);
    });
    req.end(request.body);
  });
}

async function send(target: Target, request: OutgoingRequest, call: CallLifetime): Promise<http.IncomingMessage> {
  const { UPSTREAM_CONNECT_TIMEOUT_MS } = env();
  for (let i = 0; ; i++) {
    const pinned = target.addresses[i]!;
    try {
      return await exchange(target, pinned, request, call.signal, UPSTREAM_CONNECT_TIMEOUT_MS);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const another = i + 1 < target.addresses.length && !call.signal.aborted && code && ROUTE_ERRORS.has(code);
      if (!another) throw publicFailure(error, call, target);
    }
  }
}

/** Buffers the request body the way fetch accepts it (string, bytes, URLSearchParams, Blob, …). */
async function readRequestBody(method: string, body: RequestInit['body'], headers: Headers): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (method === 'GET' || method === 'HEAD') throw new TypeError('Request with GET/HEAD method cannot have body.');
  // The MCP client's own case (a JSON-RPC message as a string, its content type set): as fetch
  // would send it, without building a Request to read it back.
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return Buffer.from(body, 'utf8');
  }
  const request = new Request('http://body.invalid/', { method: 'POST', body, duplex: 'half' } as RequestInit);
  const type = request.headers.get('content-type');
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  return Buffer.from(await request.arrayBuffer());
}

/**
 * Bytes since the last blank line of an event stream: SSE events end with an empty line (LF,
 * CRLF or CR line ends). Only data bytes count, so keep-alive blank lines never add up.
 */
class EventSizeCounter {
  private size = 0;
  private atLineStart = true;
  private afterCR = false;

  /** Adds a chunk; true when an event grew beyond `max` bytes. */
  exceeds(chunk: Buffer, max: number): boolean {
    for (const byte of chunk) {
      if (this.afterCR && byte === 0x0a) {
        this.afterCR = false;
        continue;
      }
      this.afterCR = byte === 0x0d;
      if (byte === 0x0a || byte === 0x0d) {
        if (this.atLineStart) this.size = 0;
        this.atLineStart = true;
      } else {
        this.atLineStart = false;
        if (++this.size > max) return true;
      }
    }
    return false;
  }
}

function decoderFor(encoding: string | null): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/**
 * The body as a web stream that pulls from the socket (backpressure), counts what it passes —
 * decompressed bytes, so a small gzip bomb is caught — and fails with too_large past the cap:
 * in total for an ordinary body, per event for an event stream (a stream may run for hours).
 */
function cappedBody(
  source: Readable,
  options: { maxBytes: number; perEvent: boolean; call: CallLifetime; target: Target },
): ReadableStream<Uint8Array> {
  const { maxBytes, perEvent, call, target } = options;
  const events = perEvent ? new EventSizeCounter() : undefined;
  let total = 0;
  let finished = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = (error?: unknown) => {
        if (finished) return;
        finished = true;
        call.end();
        if (error === undefined) {
          controller.close();
        } else {
          controller.error(error);
          source.destroy();
        }
      };
      source.on('data', (chunk: Buffer) => {
        if (finished) return;
        total += chunk.length;
        if (events ? events.exceeds(chunk, maxBytes) : total > maxBytes) {
          logger().warn({ upstream: originOf(target.url), max_bytes: maxBytes, per_event: perEvent }, 'upstream response too large');
          finish(new UpstreamRequestError('too_large'));
          return;
        }
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) source.pause();
      });
      source.once('end', () => finish());
      source.once('error', (error) => finish(publicFailure(error, call, target)));
      source.once('close', () => {
        if (!finished) finish(publicFailure(new Error('the upstream closed the response early'), call, target));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      finished = true;
      call.end();
      source.destroy();
    },
  });
}

function toResponse(
  res: http.IncomingMessage,
  context: { method: string; target: Target; redirected: boolean; maxBytes: number; call: CallLifetime },
): Response {
  const { method, target, redirected, maxBytes, call } = context;
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) {
    res.destroy();
    throw publicFailure(new Error(`unexpected HTTP status ${status}`), call, target);
  }
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    } catch {
      // A header fetch would not accept either; leave it out.
    }
  }
  let body: ReadableStream<Uint8Array> | null = null;
  if (method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
    res.resume();
    call.end();
  } else {
    const eventStream = /^text\/event-stream\b/i.test(headers.get('content-type') ?? '');
    if (eventStream) {
      call.stopDeadline();
    } else if (Number(headers.get('content-length')) > maxBytes) {
      res.destroy();
      logger().warn({ upstream: originOf(target.url), max_bytes: maxBytes }, 'upstream response too large');
      throw new UpstreamRequestError('too_large');
    }
    let source: Readable = res;
    const decoder = decoderFor(headers.get('content-encoding'));
    if (decoder) {
      source = pipeline(res, decoder, () => {});
      headers.delete('content-encoding');
      headers.delete('content-length');
    }
    body = cappedBody(source, { maxBytes, perEvent: eventStream, call, target });
  }
  const response = new Response(body, { status, statusText: res.statusMessage, headers });
  const url = new URL(target.url);
  url.hash = '';
  Object.defineProperties(response, { url: { value: url.href }, redirected: { value: redirected } });
  return response;
}

/**
 * fetch for upstream servers (same shape as fetch: pass it as the MCP SDK transports' `fetch`).
 * `redirect: 'follow'` (default) follows up to 5 redirects, each checked like the first URL;
 * 'manual' returns the 3xx response (the SDK then calls guardedFetch again for the target);
 * 'error' fails on any redirect. Throws UpstreamRequestError, or the caller's abort reason.
 */
export async function guardedFetch(input: string | URL, init: GuardedFetchInit = {}): Promise<Response> {
  const settings = env();
  const { maxResponseBytes, timeoutMs, signal, ...rest } = init;
  const maxBytes = maxResponseBytes ?? settings.UPSTREAM_MAX_RESPONSE_BYTES;
  let url = parseUpstreamUrl(input, ['http:', 'https:']);
  signal?.throwIfAborted();
  const call = new CallLifetime(signal ?? undefined, timeoutMs ?? settings.UPSTREAM_TIMEOUT_MS);
  let target: Target | undefined;
  try {
    let method = (rest.method ?? 'GET').toUpperCase();
    const headers = new Headers(rest.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', 'AgentxSuite-gateway');
    if (!headers.has('accept')) headers.set('accept', '*/*');
    let body = await readRequestBody(method, rest.body, headers);
    const redirectMode = rest.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      try {
        target = await resolveTarget(url, call.signal);
      } catch (error) {
        if (hop > 0 && error instanceof UpstreamRequestError && error.reason === 'blocked_address') {
          throw new UpstreamRequestError('bad_redirect', 'The upstream server redirected to an address that is not allowed');
        }
        throw error;
      }
      const res = await send(target, { method, headers, body }, call);
      const location = REDIRECT_STATUSES.has(res.statusCode ?? 0) ? res.headers.location : undefined;
      if (!location || redirectMode === 'manual') {
        return toResponse(res, { method, target, redirected: hop > 0, maxBytes, call });
      }
      res.destroy();
      if (redirectMode === 'error') {
        throw new UpstreamRequestError('bad_redirect', 'The upstream server answered with a redirect');
      }
      if (hop >= MAX_REDIRECTS) {
        throw new UpstreamRequestError('bad_redirect', 'The upstream server redirected too many times');
      }
      let next: URL;
      try {
        next = parseUpstreamUrl(new URL(location, url), ['http:', 'https:']);
      } catch {
        throw new UpstreamRequestError('bad_redirect');
      }
      const status = res.statusCode!;
      if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        for (const name of ['content-type', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
      }
      if (next.origin !== url.origin) for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
      url = next;
    }
  } catch (error) {
    call.end();
    // Our deadline or the caller's abort (during DNS or between hops) becomes the public error;
    // anything else (a TypeError for a bad header, as fetch throws) is the caller's bug.
    if (error instanceof UpstreamRequestError || error instanceof Expired || call.signal.aborted) {
      throw publicFailure(error, call, target);
    }
    throw error;
  }
}

export type GuardedWebSocketOptions = Pick<
  WebSocket.ClientOptions,
  'headers' | 'handshakeTimeout' | 'maxPayload' | 'perMessageDeflate' | 'origin' | 'protocolVersion'
>;

/**
 * A ws WebSocket to an upstream server, resolved, checked and pinned like guardedFetch (ws calls
 * our `lookup`, which answers only the checked address; an IP literal is never looked up).
 * Redirects are not followed; messages are capped at UPSTREAM_MAX_RESPONSE_BYTES (after
 * decompression — ws applies maxPayload to inflated data). Resolves with the socket still
 * CONNECTING (attach handlers right away); an error before 'open' is an UpstreamRequestError.
 */
export async function guardedWebSocket(
  input: string | URL,
  protocols?: string | string[],
  options: GuardedWebSocketOptions = {},
): Promise<WebSocket> {
  const settings = env();
  const url = parseUpstreamUrl(input, ['ws:', 'wss:']);
  const resolving = new CallLifetime(undefined, settings.UPSTREAM_CONNECT_TIMEOUT_MS);
  let target: Target;
  try {
    target = await resolveTarget(url, resolving.signal);
  } catch (error) {
    throw publicFailure(error, resolving, undefined);
  } finally {
    resolving.end();
  }
  const pinned = target.addresses[0]!;
  const lookup: net.LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
  // Only the options named in GuardedWebSocketOptions (an undefined value would replace ws's
  // default): never an agent, createConnection or lookup that would bypass the pinning.
  const chosen = Object.fromEntries(
    (['headers', 'origin', 'protocolVersion', 'perMessageDeflate'] as const)
      .filter((name) => options[name] !== undefined)
      .map((name) => [name, options[name]]),
  ) as GuardedWebSocketOptions;
  return new PinnedWebSocket(url, protocols ?? [], {
    ...chosen,
    handshakeTimeout: options.handshakeTimeout ?? settings.UPSTREAM_TIMEOUT_MS,
    maxPayload: options.maxPayload ?? settings.UPSTREAM_MAX_RESPONSE_BYTES,
    followRedirects: false,
    lookup,
    ...(testHooks.ca ? { ca: testHooks.ca } : {}),
  }, target);
}

/** Rewrites errors before 'open' into UpstreamRequestError, as guardedFetch does. */
class PinnedWebSocket extends WebSocket {
  private opened = false;

  constructor(
    url: URL,
    protocols: string | string[],
    options: WebSocket.ClientOptions & Pick<http.ClientRequestArgs, 'lookup'>,
    private readonly target: Target,
  ) {
    super(url, protocols, options);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'open') this.opened = true;
    if (event === 'error' && !this.opened && !(args[0] instanceof UpstreamRequestError)) {
      const error = args[0];
      const timedOut = error instanceof Error && /timed out/i.test(error.message);
      logger().warn(
        { upstream: originOf(this.target.url), scope: this.target.scope, timed_out: timedOut, err: describeError(error) },
        'upstream WebSocket failed',
      );
      args = [new UpstreamRequestError(timedOut && this.target.scope === 'public' ? 'timeout' : 'unreachable')];
    }
    return super.emit(event, ...args);
  }
}
