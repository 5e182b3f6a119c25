#!/usr/bin/env node
// agentxsuite-bridge: lets a stdio MCP client (Claude Desktop) use an AgentxSuite gateway.
//
//   node bin/agentxsuite-bridge.mjs --url http://localhost:3000/mcp     (AGENTXSUITE_TOKEN in env)
//
// stdin/stdout carry the client's JSON-RPC and nothing else (every log line goes to stderr). Each
// message is forwarded to the gateway's Streamable HTTP endpoint (or legacy HTTP+SSE) with the
// agent token from the environment, and each gateway message back: responses, server requests
// (sampling, elicitation) and notifications (progress, logs) alike. The SDK's transports do the
// framing; this file only decides what happens when the gateway goes away.
//
// Gateway sessions live in the gateway's memory. When one is lost (the gateway restarted: 404; or
// it is unreachable) the bridge opens a new one, with exponential backoff and jitter, by replaying
// the client's own initialize (its result is swallowed: the client has one) and
// notifications/initialized. A request that never reached the gateway waits for that, at most
// --queue-timeout seconds, and is then sent again or answered with a JSON-RPC error; a request
// lost while the gateway was working on it is answered with an error, since it may have run. The
// bridge never exits because of the gateway; it exits when stdin closes, ending its session.
import fs from 'node:fs';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const NAME = 'agentxsuite-bridge';
const VERSION = '0.1.0';

// stdout is the MCP channel: anything printed by accident goes to stderr instead.
console.log = console.info = console.debug = (...args) => console.error(...args);

const DEFAULTS = { queueTimeoutS: 20, maxBackoffS: 30 };
/** First reconnection pause; doubles per failed attempt up to --max-backoff, with jitter. */
const BASE_BACKOFF_MS = 500;
/** A request waiting for the gateway may bring the next attempt forward, but not closer than this. */
const MIN_ATTEMPT_GAP_MS = 1_000;
/** While requests wait, pauses between attempts stay this short (with jitter), whatever the backoff. */
const WAITING_BACKOFF_CAP_MS = 2_000;
/** After the gateway refused the token, requests are answered from that refusal for this long. */
const REFUSAL_REUSE_MS = 5_000;
/** How long the (re)initialize of a new gateway session may take. */
const INIT_TIMEOUT_MS = 15_000;
/** A session that lived this long before it was lost resets the backoff. */
const STABLE_SESSION_MS = 60_000;
/** Grace for a response still being parsed when its HTTP stream ended. */
const STREAM_SETTLE_MS = 100;
const SHUTDOWN_TIMEOUT_MS = 2_000;

/** Connection errors after which the request certainly never reached the gateway. */
const NOT_REACHED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);
/** Requests that change nothing: sent again when their answer was lost. */
const SAFE_TO_REPEAT = new Set([
  'ping',
  'tools/list',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
  'logging/setLevel',
]);

const UNAVAILABLE = -32000;

const USAGE = `Usage: ${NAME} --url <gateway MCP endpoint> [options]

Connects a stdio MCP client (Claude Desktop) to an AgentxSuite gateway.

Options:
  --url <url>             the gateway's MCP endpoint, e.g. http://localhost:3000/mcp
                          (or …/mcp/<org_id>/<env_id>; with --transport sse the legacy
                          endpoint, e.g. http://localhost:3000/.well-known/mcp/sse)
  --transport <kind>      streamable (default) or sse (legacy HTTP+SSE gateways)
  --queue-timeout <sec>   how long a request waits for an unreachable gateway before it is
                          answered with an error (default ${DEFAULTS.queueTimeoutS})
  --max-backoff <sec>     longest pause between reconnection attempts (default ${DEFAULTS.maxBackoffS})
  --verbose               log the method and id of every message (never their content)
  --help, --version

Environment:
  AGENTXSUITE_TOKEN       the agent token (Authorization: Bearer …)
  AGENTXSUITE_TOKEN_FILE  or: a file whose first line is the agent token

The token is never accepted on the command line, where every user of the machine (ps) and the
client's logs would see it. stdout carries MCP only; the bridge logs to stderr.
`;

// ---- logging (stderr only) -----------------------------------------------------------------

let verbose = false;

function log(level, message) {
  if (level === 'debug' && !verbose) return;
  process.stderr.write(`${new Date().toISOString()} ${NAME} ${level}: ${message}\n`);
}

function usageError(message) {
  process.stderr.write(`${NAME}: ${message}\nRun with --help for usage.\n`);
  process.exit(2);
}

// ---- configuration -------------------------------------------------------------------------

const TOKEN_FLAG = /^--?(token|agent-token|access-token|api-key|apikey|bearer|auth|authorization)(=|$)/i;
const TOKEN_SHAPES = [/^(bearer\s+)?eyJ[\w-]*\.[\w-]+\.[\w-]*$/i, /\baxs_[a-z]_[\w-]{8,}/];
const URL_CREDENTIAL_PARAMS = ['access_token', 'token', 'api_key', 'key'];

function refuseTokenInArgs(argv) {
  for (const arg of argv) {
    if (TOKEN_FLAG.test(arg) || TOKEN_SHAPES.some((shape) => shape.test(arg))) {
      usageError(
        'refusing a token on the command line: every process on this machine and the client\'s logs could read it.\n' +
          'Put it in the environment instead, e.g. in claude_desktop_config.json: "env": { "AGENTXSUITE_TOKEN": "…" }\n' +
          '(or AGENTXSUITE_TOKEN_FILE=/path/to/a/file/with/the/token). Then revoke the exposed token and issue a new one.',
      );
    }
  }
}

function readToken(env) {
  const direct = env.AGENTXSUITE_TOKEN?.trim();
  const file = env.AGENTXSUITE_TOKEN_FILE?.trim();
  if (direct && file) usageError('set AGENTXSUITE_TOKEN or AGENTXSUITE_TOKEN_FILE, not both');
  let token = direct;
  if (!token && file) {
    try {
      token = fs.readFileSync(file, 'utf8').split(/\r?\n/)[0]?.trim();
    } catch (error) {
      usageError(`cannot read AGENTXSUITE_TOKEN_FILE (${file}): ${error.code ?? error.message}`);
    }
    if (!token) usageError(`AGENTXSUITE_TOKEN_FILE (${file}) is empty`);
  }
  if (!token) usageError('no agent token: set AGENTXSUITE_TOKEN (or AGENTXSUITE_TOKEN_FILE) in the environment');
  token = token.replace(/^bearer\s+/i, '');
  if (/\s/.test(token)) usageError('the agent token contains whitespace; check AGENTXSUITE_TOKEN');
  return token;
}

function seconds(value, name, fallback) {
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) usageError(`${name} must be a positive number of seconds, got ${JSON.stringify(value)}`);
  return n * 1000;
}

function parseConfig(argv, env) {
  refuseTokenInArgs(argv);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        transport: { type: 'string' },
        'queue-timeout': { type: 'string' },
        'max-backoff': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }));
  } catch (error) {
    usageError(error.message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    process.exit(0);
  }
  if (!values.url) usageError('--url is required (the gateway\'s MCP endpoint, e.g. http://localhost:3000/mcp)');
  let url;
  try {
    url = new URL(values.url);
  } catch {
    usageError(`--url is not a URL: ${values.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usageError('--url must be http:// or https://');
  if (url.username || url.password || URL_CREDENTIAL_PARAMS.some((p) => url.searchParams.has(p))) {
    usageError('--url must not carry credentials; the token comes from AGENTXSUITE_TOKEN');
  }
  const transport = values.transport ?? 'streamable';
  if (transport !== 'streamable' && transport !== 'sse') usageError('--transport is streamable or sse');
  return {
    url,
    transport,
    token: readToken(env),
    queueTimeoutMs: seconds(values['queue-timeout'], '--queue-timeout', DEFAULTS.queueTimeoutS),
    maxBackoffMs: seconds(values['max-backoff'], '--max-backoff', DEFAULTS.maxBackoffS),
    verbose: Boolean(values.verbose),
  };
}

// ---- JSON-RPC shapes -------------------------------------------------------------------------

const isRequest = (m) => typeof m.method === 'string' && m.id !== undefined;
const isNotification = (m) => typeof m.method === 'string' && m.id === undefined;
const isResponse = (m) => m.method === undefined && ('result' in m || 'error' in m);
/** Map key of a JSON-RPC id: 1 and "1" are different requests. */
const keyOf = (id) => `${typeof id}:${String(id)}`;
const describe = (m) => (isResponse(m) ? `response ${JSON.stringify(m.id)}` : `${m.method}${m.id !== undefined ? ` ${JSON.stringify(m.id)}` : ''}`);

/** The ids of the requests in a POST body (the SDK sends JSON text). */
function requestIdsIn(body) {
  if (typeof body !== 'string') return [];
  try {
    const parsed = JSON.parse(body);
    return (Array.isArray(parsed) ? parsed : [parsed]).filter((m) => m && typeof m.method === 'string' && m.id !== undefined).map((m) => m.id);
  } catch {
    return [];
  }
}

// ---- what went wrong -----------------------------------------------------------------------

/** A JSON-RPC error the gateway answered to one of the bridge's own requests. */
class GatewayRpcError extends Error {
  constructor(error) {
    super(error?.message ?? 'error');
    this.rpc = error;
  }
}

function networkCodeOf(error) {
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
    if (Array.isArray(e.errors) && typeof e.errors[0]?.code === 'string') return e.errors[0].code;
  }
  return undefined;
}

function httpStatusOf(error) {
  if ((error instanceof StreamableHTTPError || error instanceof SseError) && typeof error.code === 'number' && error.code > 0) return error.code;
  const match = /\(HTTP (\d{3})\)/.exec(error?.message ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The gateway's own words from an HTTP error: its JSON-RPC error body when it sent one. */
function gatewayDetail(error) {
  const text = String(error?.message ?? '');
  const brace = text.indexOf('{');
  if (brace >= 0) {
    try {
      const body = JSON.parse(text.slice(brace));
      if (body?.error?.message) return { code: typeof body.error.code === 'number' ? body.error.code : undefined, message: String(body.error.message) };
      if (typeof body?.error === 'string') return { message: body.error };
    } catch {
      // not JSON: use the text
    }
  }
  return { message: text.replace(/^(Streamable HTTP error|SSE error): /, '') };
}

/**
 * What a failure means for the bridge:
 *  unreached — the request certainly never reached the gateway (send it again later)
 *  lost      — the connection failed; the gateway may have seen the request
 *  session   — the gateway does not know the session (404): it restarted or expired it
 *  auth      — the gateway refused the credential (401/403)
 *  busy      — the gateway answered 429 or 5xx to this message
 *  refused   — any other refusal (a 4xx, a JSON-RPC error to initialize)
 */
function classify(error, origin) {
  if (error instanceof GatewayRpcError) {
    return { kind: 'refused', code: error.rpc?.code, message: `the gateway answered initialize with an error: ${error.message}`, data: error.rpc?.data };
  }
  if (error?.bridgeTimeout) return { kind: 'lost', message: error.message };
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const detail = gatewayDetail(error);
    const said = `HTTP ${status}: ${detail.message}`;
    if (status === 401 || status === 403) return { kind: 'auth', status, code: detail.code, message: said };
    if (status === 404) return { kind: 'session', status, code: detail.code, message: said };
    // A proxy's 502/503: the gateway behind it is down and never saw the message.
    if (status === 502 || status === 503) return { kind: 'unreached', status, message: said };
    if (status === 429 || status >= 500) return { kind: 'busy', status, code: detail.code, message: said };
    return { kind: 'refused', status, code: detail.code, message: said };
  }
  const code = networkCodeOf(error);
  if (code && NOT_REACHED.has(code)) return { kind: 'unreached', message: `cannot reach ${origin} (${code})` };
  if (error?.name === 'AbortError') return { kind: 'lost', message: 'the request was aborted' };
  return { kind: 'lost', message: code ? `connection to ${origin} failed (${code})` : String(error?.message ?? error) };
}

function refusalText(failure) {
  const check = 'Check AGENTXSUITE_TOKEN (or AGENTXSUITE_TOKEN_FILE) in the bridge\'s environment.';
  if (failure.kind !== 'auth') return `AgentxSuite gateway refused the request (${failure.message})`;
  return failure.status === 401
    ? `AgentxSuite gateway refused the agent token (${failure.message}). ${check}`
    : `AgentxSuite gateway refused this agent (${failure.message}). ${check}`;
}

// ---- the body of a POST answered with an event stream, watched for its end ------------------

function watchStream(body, onEnd) {
  const reader = body.getReader();
  let ended = false;
  const end = (error) => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          end(null);
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        end(error);
      }
    },
    cancel(reason) {
      end(null);
      return reader.cancel(reason);
    },
  });
}

// ---- the bridge ----------------------------------------------------------------------------

class Bridge {
  constructor(config) {
    this.config = config;
    this.origin = config.url.origin;
    this.client = new StdioServerTransport();
    /** The client's initialize request: replayed to open every gateway session. */
    this.initRequest = null;
    /** Whether the client has its initialize result (later ones are swallowed). */
    this.clientInitialized = false;
    /** The gateway session in use: { transport, generation, openedAt, sessionId }. */
    this.session = null;
    this.generation = 0;
    this.connecting = null;
    /** Client requests waiting for a gateway session: key → { message, receivedAt, timer }. */
    this.queue = new Map();
    /** Client requests sent to the gateway, not yet answered: key → { message, generation, receivedAt, sent }. */
    this.inflight = new Map();
    /** The bridge's own requests (initialize): id → { resolve, reject }. */
    this.internal = new Map();
    this.internalSeq = 0;
    /** Gateway requests to the client (sampling, elicitation): key → generation. */
    this.serverRequests = new Map();
    /** Why the gateway is unavailable, for error messages. */
    this.unavailable = 'not connected yet';
    /** The gateway refused the credential: { failure, at }. No background retries then. */
    this.refusal = null;
    /** Consecutive failed attempts (and short-lived sessions): the backoff exponent. */
    this.streak = 0;
    this.lastAttemptAt = 0;
    this.sleeper = null;
    /** Aborts the POSTs still running when the bridge exits. */
    this.aborter = new AbortController();
    this.closing = false;
  }

  async start() {
    this.client.onmessage = (message) => this.fromClient(message);
    this.client.onerror = (error) => log('warn', `unreadable message from the client: ${error.message}`);
    process.stdin.on('end', () => void this.shutdown('stdin closed'));
    process.stdin.on('close', () => void this.shutdown('stdin closed'));
    process.stdout.on('error', (error) => void this.shutdown(`stdout failed (${error.code ?? error.message})`));
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void this.shutdown(signal));
    await this.client.start();
    log('info', `${NAME} ${VERSION}: stdio ↔ ${this.config.url.href} (${this.config.transport})`);
  }

  // ---- client → gateway ----

  fromClient(message) {
    if (this.closing) return;
    log('debug', `client → ${describe(message)}`);
    if (isRequest(message)) return this.clientRequest(message);
    if (isNotification(message)) return this.clientNotification(message);
    if (isResponse(message)) return this.clientResponse(message);
  }

  clientRequest(message) {
    if (message.method === 'initialize' && !this.clientInitialized) {
      // The client's (first, or repeated before it got an answer) handshake: sessions open with it.
      const previous = this.initRequest;
      this.initRequest = message;
      if (previous && previous !== message) this.dropQueued(previous.id);
      if (this.session) this.sessionLost(this.session.generation, 'the client initialized again', null, { quiet: true });
      this.enqueue(message, Date.now());
      return;
    }
    if (!this.initRequest) {
      this.answerError(message.id, -32600, 'Send initialize first');
      return;
    }
    this.submit(message, Date.now());
  }

  clientNotification(message) {
    // The bridge sends notifications/initialized itself when a session opens.
    if (message.method === 'notifications/initialized') return;
    if (message.method === 'notifications/cancelled' && message.params?.requestId !== undefined) {
      // Not sent yet: it never will be. In flight: the gateway is told, and no answer is expected.
      if (this.dropQueued(message.params.requestId)) return;
      if (!this.inflight.delete(keyOf(message.params.requestId))) return;
    }
    this.sendToGateway(message, 'notification');
  }

  clientResponse(message) {
    const key = keyOf(message.id);
    const generation = this.serverRequests.get(key);
    this.serverRequests.delete(key);
    if (generation === undefined || !this.session || this.session.generation !== generation) {
      log('debug', `dropped the client's answer to ${JSON.stringify(message.id)}: its gateway session is gone`);
      return;
    }
    this.sendToGateway(message, 'answer');
  }

  /** Notifications and answers: best effort, never queued. */
  sendToGateway(message, what) {
    const session = this.session;
    if (!session) {
      log('debug', `dropped the client's ${what} ${describe(message)}: no gateway session`);
      return;
    }
    session.transport.send(message).catch((error) => {
      const failure = classify(error, this.origin);
      log('warn', `could not deliver the client's ${what} ${describe(message)}: ${failure.message}`);
      this.afterFailure(session.generation, failure);
    });
  }

  /** A client request: to the gateway now, or queued until a session is open. */
  submit(message, receivedAt) {
    if (this.session) this.forward(message, receivedAt);
    else this.enqueue(message, receivedAt);
  }

  forward(message, receivedAt) {
    const { transport, generation } = this.session;
    this.inflight.set(keyOf(message.id), { message, generation, receivedAt, sent: false });
    transport.send(message).then(
      () => this.sent(message, generation),
      (error) => this.sendFailed(message, generation, error),
    );
  }

  /** The gateway accepted the POST; the answer comes on its stream (Streamable HTTP) or the session's (SSE). */
  sent(message, generation) {
    const key = keyOf(message.id);
    const entry = this.inflight.get(key);
    if (!entry || entry.message !== message || entry.generation !== generation) return;
    entry.sent = true;
    // Legacy SSE: accepted by a session whose stream is already gone, so the answer is too.
    if (this.config.transport === 'sse' && this.session?.generation !== generation) {
      this.inflight.delete(key);
      this.repeatOrAnswerLost(entry, this.unavailable);
    }
  }

  repeatOrAnswerLost(entry, reason) {
    if (SAFE_TO_REPEAT.has(entry.message.method)) {
      log('debug', `${describe(entry.message)}: ${reason}; sending it again`);
      this.submit(entry.message, entry.receivedAt);
    } else {
      log('warn', `${describe(entry.message)} was lost: ${reason}`);
      this.answerLost(entry.message.id, reason);
    }
  }

  sendFailed(message, generation, error) {
    const key = keyOf(message.id);
    const entry = this.inflight.get(key);
    if (!entry || entry.message !== message || entry.generation !== generation) return; // dealt with already
    this.inflight.delete(key);
    const failure = classify(error, this.origin);
    log('debug', `sending ${describe(message)} failed: ${failure.message}`);
    switch (failure.kind) {
      case 'unreached':
      case 'session':
        // The gateway never processed it: send it again on the next session.
        this.sessionLost(generation, failure.message);
        this.enqueue(message, entry.receivedAt);
        return;
      case 'lost':
        this.sessionLost(generation, failure.message);
        this.repeatOrAnswerLost(entry, failure.message);
        return;
      case 'auth':
        this.answerError(message.id, failure.code ?? UNAVAILABLE, refusalText(failure), { http_status: failure.status });
        this.sessionLost(generation, failure.message, failure);
        return;
      default:
        // The gateway's answer to this one message (400, 413, 429, 500…).
        this.answerError(message.id, failure.code ?? UNAVAILABLE, `AgentxSuite gateway: ${failure.message}`, failure.status ? { http_status: failure.status } : undefined);
    }
  }

  /** A notification or answer could not be delivered: does the session still exist? */
  afterFailure(generation, failure) {
    if (failure.kind === 'unreached' || failure.kind === 'session' || failure.kind === 'lost') this.sessionLost(generation, failure.message);
    else if (failure.kind === 'auth') this.sessionLost(generation, failure.message, failure);
  }

  // ---- waiting for the gateway ----

  enqueue(message, receivedAt) {
    if (this.session) {
      this.forward(message, receivedAt);
      return;
    }
    const key = keyOf(message.id);
    if (this.refusal && Date.now() - this.refusal.at < REFUSAL_REUSE_MS) {
      this.answerRefusal(message.id, this.refusal.failure);
      return;
    }
    const wait = receivedAt + this.config.queueTimeoutMs - Date.now();
    if (wait <= 0) {
      this.answerUnavailable(message.id);
      return;
    }
    const entry = { message, receivedAt, timer: null };
    entry.timer = setTimeout(() => {
      if (this.queue.get(key) !== entry) return;
      this.queue.delete(key);
      log('warn', `${describe(message)} waited ${Math.round(this.config.queueTimeoutMs / 1000)} s for the gateway; answered with an error`);
      this.answerUnavailable(message.id);
    }, wait);
    this.queue.set(key, entry);
    this.ensureConnected();
  }

  dropQueued(id) {
    const key = keyOf(id);
    const entry = this.queue.get(key);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.queue.delete(key);
    return true;
  }

  flushQueue() {
    for (const [key, entry] of [...this.queue]) {
      if (!this.session) return;
      clearTimeout(entry.timer);
      this.queue.delete(key);
      this.forward(entry.message, entry.receivedAt);
    }
  }

  failQueue(failure) {
    for (const [key, entry] of [...this.queue]) {
      clearTimeout(entry.timer);
      this.queue.delete(key);
      this.answerRefusal(entry.message.id, failure);
    }
  }

  // ---- sessions ----

  ensureConnected() {
    if (this.closing || this.session || !this.initRequest) return;
    if (this.connecting) {
      this.nudge();
      return;
    }
    this.connecting = this.connectLoop()
      .catch((error) => log('error', `reconnection loop failed: ${error?.stack ?? error}`))
      .finally(() => {
        this.connecting = null;
      });
  }

  /** Exponential in the failures so far, capped, with "equal jitter" (half fixed, half random). */
  backoff() {
    const cap = this.queue.size > 0 ? Math.min(WAITING_BACKOFF_CAP_MS, this.config.maxBackoffMs) : this.config.maxBackoffMs;
    const ceiling = Math.min(cap, BASE_BACKOFF_MS * 2 ** Math.min(this.streak - 1, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  async connectLoop() {
    while (!this.closing && !this.session && this.initRequest) {
      const delay = this.streak > 0 ? this.backoff() : Math.max(0, this.lastAttemptAt + MIN_ATTEMPT_GAP_MS - Date.now());
      if (delay > 0) {
        if (this.streak > 0) log('info', `reconnecting to the gateway in ${(delay / 1000).toFixed(1)} s (attempt ${this.streak + 1})`);
        await this.sleep(delay);
        if (this.closing || this.session) return;
      }
      this.lastAttemptAt = Date.now();
      try {
        await this.openSession();
        return;
      } catch (error) {
        const failure = classify(error, this.origin);
        if (failure.kind === 'auth' || failure.kind === 'refused') {
          // Retrying will not change the answer: stop, answer what waits, try again on the next request.
          this.refusal = { failure, at: Date.now() };
          this.unavailable = failure.message;
          log('error', `${refusalText(failure)} Not retrying until the client sends another request.`);
          this.failQueue(failure);
          return;
        }
        this.streak++;
        this.unavailable = failure.kind === 'session' ? `${failure.message} (is --url the gateway's MCP endpoint?)` : failure.message;
        log('warn', `gateway unavailable: ${this.unavailable}`);
      }
    }
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(this.sleeper?.timer);
        this.sleeper = null;
        resolve();
      };
      this.sleeper = { wake, until: Date.now() + ms, timer: setTimeout(wake, ms) };
    });
  }

  /** A request is waiting: bring the next attempt forward (never closer than MIN_ATTEMPT_GAP_MS). */
  nudge() {
    const sleeper = this.sleeper;
    if (!sleeper) return;
    const at = Math.max(Date.now(), this.lastAttemptAt + MIN_ATTEMPT_GAP_MS);
    if (at >= sleeper.until) return;
    clearTimeout(sleeper.timer);
    sleeper.until = at;
    sleeper.timer = setTimeout(sleeper.wake, at - Date.now());
  }

  makeTransport(generation) {
    const requestInit = { headers: { authorization: `Bearer ${this.config.token}`, 'user-agent': `${NAME}/${VERSION}` } };
    if (this.config.transport === 'sse') {
      return new SSEClientTransport(this.config.url, { requestInit, fetch: this.observedFetch(generation) });
    }
    return new StreamableHTTPClientTransport(this.config.url, {
      requestInit,
      fetch: this.observedFetch(generation),
      // The SDK reopens a dropped GET stream itself; a 404 or an unreachable gateway on the way
      // is seen by observedFetch and ends the session here.
      reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 5_000, reconnectionDelayGrowFactor: 2, maxRetries: 3 },
    });
  }

  /** fetch for one session's transport: what its HTTP requests reveal about the session. */
  observedFetch(generation) {
    return async (url, init = {}) => {
      const method = (init.method ?? 'GET').toUpperCase();
      const streamable = this.config.transport === 'streamable';
      // A POST outlives its transport: when a session is given up, what was already sent still gets
      // its answer or a definite failure, instead of an abort that says nothing about the gateway.
      if (method === 'POST') init = { ...init, signal: this.aborter.signal };
      let response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        // The GET stream reopened by the SDK: no gateway there means no session either.
        if (streamable && method === 'GET' && !init.signal?.aborted) {
          const failure = classify(error, this.origin);
          if (failure.kind === 'unreached') this.sessionLost(generation, failure.message);
        }
        throw error;
      }
      if (streamable && method === 'GET' && !response.ok) {
        if (response.status === 404) this.sessionLost(generation, 'the gateway no longer knows this session (HTTP 404): it was restarted or the session expired');
        else if (response.status === 401 || response.status === 403) {
          const failure = { kind: 'auth', status: response.status, message: `HTTP ${response.status}` };
          this.sessionLost(generation, failure.message, failure);
        }
      }
      const type = response.headers.get('content-type') ?? '';
      const ids = method === 'POST' ? requestIdsIn(init.body) : [];
      if (streamable && ids.length && response.ok && response.body && type.toLowerCase().startsWith('text/event-stream')) {
        const body = watchStream(response.body, (error) => setTimeout(() => this.postStreamEnded(generation, ids, error), STREAM_SETTLE_MS));
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      }
      return response;
    };
  }

  /** The response stream of a POST ended: its requests should have their answers by now. */
  postStreamEnded(generation, ids, error) {
    for (const id of ids) {
      const key = keyOf(id);
      const entry = this.inflight.get(key);
      if (!entry || entry.generation !== generation) continue;
      this.inflight.delete(key);
      const reason = error ? `the connection to the gateway broke (${networkCodeOf(error) ?? error.message ?? error})` : 'the gateway ended the response without an answer';
      this.repeatOrAnswerLost(entry, reason);
    }
  }

  /** The bridge's own request on a transport that is not the session yet (initialize). */
  internalRequest(transport, method, params) {
    const id = `${NAME}:${method}:${++this.internalSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.internal.delete(id);
        reject(Object.assign(new Error(`the gateway did not answer ${method} within ${INIT_TIMEOUT_MS / 1000} s`), { bridgeTimeout: true }));
      }, INIT_TIMEOUT_MS);
      const settle = (fn) => (value) => {
        clearTimeout(timer);
        this.internal.delete(id);
        fn(value);
      };
      this.internal.set(id, { resolve: settle(resolve), reject: settle(reject) });
      transport.send({ jsonrpc: '2.0', id, method, params }).catch((error) => this.internal.get(id)?.reject(error));
    });
  }

  async openSession() {
    const generation = ++this.generation;
    const transport = this.makeTransport(generation);
    transport.onmessage = (message) => this.fromGateway(message, generation);
    transport.onerror = (error) => this.transportError(error, generation);
    let result;
    try {
      await transport.start(); // legacy SSE: opens the stream and waits for its endpoint
      result = await this.internalRequest(transport, 'initialize', this.initRequest.params);
      transport.setProtocolVersion?.(result.protocolVersion);
      await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    } catch (error) {
      transport.onmessage = transport.onerror = undefined;
      void transport.close().catch(() => {});
      throw error;
    }
    if (this.closing) {
      await transport.terminateSession?.().catch(() => {});
      await transport.close().catch(() => {});
      return;
    }
    const again = this.clientInitialized;
    this.session = { transport, generation, openedAt: Date.now(), sessionId: transport.sessionId };
    this.refusal = null;
    this.unavailable = 'not connected';
    const sid = transport.sessionId ? ` (session ${transport.sessionId})` : '';
    log('info', again ? `gateway session opened again${sid}` : `connected to ${this.config.url.href}${sid}, protocol ${result.protocolVersion}`);
    if (!again) {
      const key = keyOf(this.initRequest.id);
      const waiting = this.queue.get(key);
      if (waiting && waiting.message === this.initRequest) {
        clearTimeout(waiting.timer);
        this.queue.delete(key);
        this.clientInitialized = true;
        this.toClient({ jsonrpc: '2.0', id: this.initRequest.id, result });
      }
    }
    this.flushQueue();
  }

  transportError(error, generation) {
    log('debug', `gateway transport: ${error?.message ?? error}`);
    const message = String(error?.message ?? '');
    if (error instanceof SseError) {
      // Legacy SSE: the session is its stream; when the stream fails, so does the session.
      const failure = classify(error, this.origin);
      if (failure.kind === 'auth') this.sessionLost(generation, failure.message, failure);
      else this.sessionLost(generation, `the event stream failed (${failure.message || 'disconnected'})`);
    } else if (message.startsWith('Maximum reconnection attempts')) {
      this.sessionLost(generation, 'the gateway\'s event stream could not be reopened');
    }
  }

  /**
   * The session of `generation` is gone (or unusable): a new one is opened unless the gateway
   * refused the token. Requests still in flight on it end by their own POST (answer, stream end or
   * failure), except under legacy SSE, where the answers would have come on the failed stream.
   */
  sessionLost(generation, reason, refusal = null, { quiet = false } = {}) {
    const session = this.session;
    if (!session || session.generation !== generation) return;
    this.session = null;
    this.unavailable = reason;
    if (Date.now() - session.openedAt > STABLE_SESSION_MS) this.streak = 0;
    this.streak++;
    if (!quiet) log('warn', `gateway session lost: ${reason}; ${refusal ? 'not reconnecting until the client sends another request' : 'reconnecting'}`);
    // Stops its event stream and timers. POSTs already on their way finish on their own (fromGateway
    // routes answers by the session they were sent on); their failures are classified in sendFailed.
    void session.transport.close().catch(() => {});
    for (const [key, generationOf] of [...this.serverRequests]) if (generationOf === generation) this.serverRequests.delete(key);
    const lost = [];
    for (const [key, entry] of [...this.inflight]) {
      if (entry.generation !== generation) continue;
      if (refusal) {
        this.inflight.delete(key);
        this.answerRefusal(entry.message.id, refusal);
      } else if (entry.sent && this.config.transport === 'sse') {
        // Accepted, but its answer would have come on the stream that failed.
        this.inflight.delete(key);
        lost.push(entry);
      }
    }
    if (refusal) {
      this.refusal = { failure: refusal, at: Date.now() };
      this.failQueue(refusal);
      return;
    }
    this.ensureConnected();
    for (const entry of lost) this.repeatOrAnswerLost(entry, reason);
  }

  // ---- gateway → client ----

  fromGateway(message, generation) {
    if (isResponse(message)) {
      if (typeof message.id === 'string' && this.internal.has(message.id)) {
        const waiter = this.internal.get(message.id);
        if (message.error) waiter.reject(new GatewayRpcError(message.error));
        else waiter.resolve(message.result);
        return;
      }
      // Answers go by the session their request was sent on, even one given up since.
      const key = keyOf(message.id);
      const entry = this.inflight.get(key);
      if (!entry || entry.generation !== generation) {
        log('debug', `dropped an answer to ${JSON.stringify(message.id)}: already answered`);
        return;
      }
      log('debug', `gateway → ${describe(message)}`);
      this.inflight.delete(key);
      if (this.session?.generation === generation) this.streak = 0; // the session works
      this.toClient(message);
      return;
    }
    if (!this.session || this.session.generation !== generation) {
      log('debug', `dropped gateway ${describe(message)} of a session no longer in use`);
      return;
    }
    log('debug', `gateway → ${describe(message)}`);
    if (isRequest(message)) this.serverRequests.set(keyOf(message.id), generation);
    this.toClient(message);
  }

  toClient(message) {
    if (this.closing) return;
    this.client.send(message).catch((error) => log('warn', `could not write to the client: ${error.message}`));
  }

  answerError(id, code, message, data) {
    this.toClient({ jsonrpc: '2.0', id, error: { code, message, ...(data ? { data } : {}) } });
  }

  answerUnavailable(id) {
    this.answerError(id, UNAVAILABLE, `AgentxSuite gateway unavailable, retrying: ${this.unavailable}. The bridge keeps reconnecting in the background; try again shortly.`);
  }

  answerLost(id, reason) {
    this.answerError(
      id,
      UNAVAILABLE,
      `The connection to the AgentxSuite gateway was lost while this request was in progress (${reason}); it may or may not have completed. The bridge is reconnecting.`,
    );
  }

  answerRefusal(id, failure) {
    this.answerError(id, failure.code ?? UNAVAILABLE, refusalText(failure), {
      ...(failure.status ? { http_status: failure.status } : {}),
      ...(failure.data !== undefined ? { gateway: failure.data } : {}),
    });
  }

  // ---- the end ----

  async shutdown(why) {
    if (this.closing) return;
    this.closing = true;
    log('info', `${why}: closing`);
    this.sleeper?.wake();
    this.aborter.abort();
    for (const entry of this.queue.values()) clearTimeout(entry.timer);
    this.queue.clear();
    const session = this.session;
    this.session = null;
    if (session) {
      const timeout = new Promise((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref());
      // DELETE: the gateway frees the session now instead of at its idle timeout.
      await Promise.race([session.transport.terminateSession?.().catch((error) => log('debug', `ending the session: ${error.message}`)), timeout]);
      await session.transport.close().catch(() => {});
    }
    process.exit(0);
  }
}

// ---- main ----------------------------------------------------------------------------------

const config = parseConfig(process.argv.slice(2), process.env);
verbose = config.verbose;
if (config.url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(config.url.hostname)) {
  log('warn', `${config.url.origin} is plain HTTP: the agent token crosses the network unencrypted; use https://`);
}
process.on('uncaughtException', (error) => log('error', `unexpected: ${error?.stack ?? error}`));
process.on('unhandledRejection', (error) => log('error', `unexpected: ${error?.stack ?? error}`));
await new Bridge(config).start();
