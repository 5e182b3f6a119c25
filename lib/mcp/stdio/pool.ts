// The pool of stdio MCP servers: one long-lived child process per key (a registration or a
// connection), each with one initialized MCP Client that every caller shares.
//
// - A child is started on first use and reused; a spec whose command, args or env changed starts a
//   new child (the old one finishes its in-flight calls, then stops).
// - A child that dies is restarted on next use. A crash loop backs off: the first failure retries
//   at once, then 1 s, 2 s, 4 s… up to 60 s, and until then acquiring answers 503 with the last
//   error (and the redacted stderr tail) instead of spinning. Running 30 s clears the record.
// - A child idle for MCP_STDIO_IDLE_SECONDS is stopped. At most MCP_STDIO_MAX_PROCESSES run: a new
//   one stops the least recently used idle child, or fails with 503 when all are busy.
// - Stopping kills the whole process group and waits for the exit (./process.ts): no zombies.
//   shutdownStdioPool() stops everything; a synchronous SIGKILL of every group on process exit is
//   the last resort.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Db } from '@/db/client';
import { AppError } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';
import { resolveSecret } from '@/lib/secrets/service';
import { checkStdioCommand } from './allowlist';
import { buildStdioEnvironment, validateStdioEnv } from './environment';
import { describeExit, killAllGroupsSync, settlesWithin, StdioProcess } from './process';
import { StderrCapture } from './stderr-capture';
import { ChildProcessTransport, StdioMessageTooLargeError } from './transport';

export interface StdioServerSpec {
  /** An absolute path or a bare name on PATH; must be on MCP_STDIO_ALLOWED_COMMANDS. */
  command: string;
  args?: string[];
  /** The registration's variables; a value `secret_ref:<uuid>` is resolved in `secrets.orgId`. */
  env?: Record<string, string>;
  /** Where secret refs resolve: the registration's organization. */
  secrets?: { db: Db; orgId: string };
}

export interface StdioLease {
  client: Client;
  pid: number;
  /** The child's secret (and long literal) variable values: whatever it returns is redacted of them. */
  sensitiveValues: readonly string[];
  /** Gives the client back; the child stays for the next caller. Idempotent. */
  release: () => void;
}

export interface StdioServerStatus {
  key: string;
  pid: number | null;
  state: 'starting' | 'running' | 'stopped' | 'backing_off';
  in_use: number;
  failures: number;
  last_error: string | null;
  started_at: string | null;
  last_used_at: string | null;
}

const CLIENT_INFO = { name: 'agentxsuite', version: '0.1.0' };
const STDERR_IN_ERRORS = 2_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** A child that ran this long before dying starts a fresh failure count. */
const STABLE_AFTER_MS = 30_000;

interface Entry {
  key: string;
  fingerprint: string;
  spec: StdioServerSpec;
  command: string;
  workDir: string;
  proc?: StdioProcess;
  client?: Client;
  stderr?: StderrCapture;
  /** Values of the child's registration variables (secrets resolved at start) to redact from what it says. */
  sensitiveValues: string[];
  starting?: Promise<void>;
  ready: boolean;
  readyAt?: number;
  inUse: number;
  lastUsed: number;
  /**
   * Order of last use among all entries: what makeRoom evicts by. Several uses within one
   * millisecond share a lastUsed, and a tie must not stop the one used most recently.
   */
  useOrder: number;
  failures: number;
  retryAt: number;
  lastError?: string;
  /** Set by the transport when the child broke the protocol (oversized message). */
  fatal?: Error;
  idleTimer?: NodeJS.Timeout;
  retired: boolean;
}

interface PoolState {
  entries: Map<string, Entry>;
  /** Children whose spec changed while in use: stopped once their last caller releases them. */
  retiring: Set<Entry>;
  shuttingDown?: Promise<void>;
  exitHook: boolean;
  /** Uses of any entry so far (Entry.useOrder). */
  uses: number;
}

// On globalThis so hot reload in `next dev` keeps one pool (and no orphaned children).
const g = globalThis as unknown as { __axsStdioPool?: PoolState };
const pool: PoolState = (g.__axsStdioPool ??= { entries: new Map(), retiring: new Set(), exitHook: false, uses: 0 });

const fingerprintOf = (spec: StdioServerSpec): string =>
  createHash('sha256')
    .update(JSON.stringify([spec.command, spec.args ?? [], Object.entries(spec.env ?? {}).sort(), spec.secrets?.orgId ?? null]))
    .digest('hex');

const workDirOf = (key: string): string =>
  path.join(env().MCP_STDIO_WORK_DIR, createHash('sha256').update(key).digest('hex').slice(0, 24));

const backoffMs = (failures: number): number =>
  failures <= 1 ? 0 : Math.min(BACKOFF_BASE_MS * 2 ** (failures - 2), BACKOFF_MAX_MS);

const holdsSlot = (e: Entry): boolean => e.starting !== undefined || (e.proc !== undefined && !e.proc.stopRequested);

const allEntries = (): Entry[] => [...pool.entries.values(), ...pool.retiring];

/** Creates the work root (ours alone: not a symlink, not writable by others) and the server's dirs. */
function prepareWorkDir(workDir: string): void {
  const root = path.dirname(workDir);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(root);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) {
    throw new AppError('internal', `MCP_STDIO_WORK_DIR ${root} must be a directory owned by this user and writable by it alone`);
  }
  for (const dir of [workDir, path.join(workDir, 'home'), path.join(workDir, 'tmp')]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

function installExitHook(): void {
  if (pool.exitHook) return;
  pool.exitHook = true;
  process.once('exit', killAllGroupsSync);
}

function clearIdle(e: Entry): void {
  if (e.idleTimer) clearTimeout(e.idleTimer);
  e.idleTimer = undefined;
}

function scheduleIdle(e: Entry): void {
  clearIdle(e);
  if (e.inUse > 0 || !e.proc) return;
  const idleMs = env().MCP_STDIO_IDLE_SECONDS * 1000;
  e.idleTimer = setTimeout(() => {
    e.idleTimer = undefined;
    if (e.inUse > 0 || !e.proc) return;
    if (Date.now() - e.lastUsed < idleMs - 50) return scheduleIdle(e);
    logger().info({ stdio_key: e.key, pid: e.proc.pid }, 'stdio server idle: stopping');
    void stopEntry(e);
  }, idleMs);
  e.idleTimer.unref();
}

/** Stops an entry's child and forgets it (the failure record goes with it). */
async function stopEntry(e: Entry): Promise<void> {
  clearIdle(e);
  e.ready = false;
  const proc = e.proc;
  if (pool.entries.get(e.key) === e && e.failures === 0) pool.entries.delete(e.key);
  pool.retiring.delete(e);
  if (proc) await proc.stop();
}

function recordFailure(e: Entry, message: string): void {
  e.failures += 1;
  e.retryAt = Date.now() + backoffMs(e.failures);
  e.lastError = message;
}

/**
 * Called when a child exits. The pool's own stops (idle, room, retire, shutdown) clear `ready`
 * first, and a failed start is recorded by start(); so a ready child that exits has died — killed,
 * crashed, or stopped by the transport for breaking the protocol — and counts as a failure.
 */
function onExit(e: Entry, proc: StdioProcess): void {
  if (e.proc !== proc) return;
  const died = e.ready;
  e.proc = undefined;
  e.client = undefined;
  e.ready = false;
  clearIdle(e);
  if (!died) return;
  const exit = describeExit(proc.exit!);
  if (e.readyAt !== undefined && Date.now() - e.readyAt >= STABLE_AFTER_MS) e.failures = 0;
  recordFailure(e, e.fatal ? e.fatal.message : `The stdio server exited (${exit})`);
  logger().warn({ stdio_key: e.key, pid: proc.pid, exit, stderr_tail: e.stderr?.text(STDERR_IN_ERRORS) ?? '' }, 'stdio server died');
}

/** Makes room for one more child: stops the least recently used idle one, or refuses with 503. */
async function makeRoom(self: Entry): Promise<void> {
  const max = env().MCP_STDIO_MAX_PROCESSES;
  const holders = allEntries().filter((e) => e !== self && holdsSlot(e));
  if (holders.length < max) return;
  const idle = holders
    .filter((e) => e.inUse === 0 && e.starting === undefined && e.proc)
    .sort((a, b) => a.useOrder - b.useOrder);
  const victims = idle.slice(0, holders.length - max + 1);
  if (victims.length < holders.length - max + 1) {
    throw new AppError('unavailable', `All ${max} stdio server processes are busy (MCP_STDIO_MAX_PROCESSES); try again shortly`, {}, {
      'Retry-After': '5',
    });
  }
  // stop() marks each victim at once, so concurrent starts do not pick them twice.
  await Promise.all(
    victims.map((v) => {
      logger().info({ stdio_key: v.key, pid: v.proc?.pid }, 'stdio server stopped to make room (MCP_STDIO_MAX_PROCESSES)');
      return stopEntry(v);
    }),
  );
}

async function startError(e: Entry, proc: StdioProcess, error: unknown, timeoutSeconds: number): Promise<AppError> {
  const closed = error instanceof McpError && error.code === ErrorCode.ConnectionClosed;
  // The connection closes when the process exits; its exit status says more than "closed".
  if (closed) await settlesWithin(proc.exited, 1_000);
  const stderr = e.stderr?.text(STDERR_IN_ERRORS) ?? '';
  const details = { command: e.command, ...(stderr ? { stderr } : {}) };
  if (e.fatal) return new AppError('upstream_error', e.fatal.message, details);
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new AppError('timeout', `The stdio server "${e.command}" did not answer initialize within ${timeoutSeconds} s; it was stopped`, details);
  }
  if (closed) {
    const exit = proc.exit ? ` (${describeExit(proc.exit)})` : '';
    return new AppError('upstream_error', `The stdio server "${e.command}" exited during initialize${exit}`, details);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('upstream_error', `The stdio server "${e.command}" failed to initialize: ${message}`, details);
}

async function start(e: Entry): Promise<void> {
  const { spec } = e;
  // Checked at every start: the allowlist or the registration may have changed since the last.
  validateStdioEnv(spec.env ?? {});
  const checked = checkStdioCommand(spec.command, spec.args ?? [], { cwd: e.workDir });
  await makeRoom(e);
  prepareWorkDir(e.workDir);
  const secrets = spec.secrets;
  const childEnv = await buildStdioEnvironment(spec.env ?? {}, {
    workDir: e.workDir,
    ...(secrets ? { resolveSecretRef: (ref: string) => resolveSecret(secrets, ref) } : {}),
  });
  const stderr = new StderrCapture(childEnv.sensitiveValues);
  e.stderr = stderr;
  e.sensitiveValues = childEnv.sensitiveValues;
  e.fatal = undefined;

  if (pool.shuttingDown) throw new AppError('unavailable', 'The stdio server pool is shutting down');
  let proc: StdioProcess;
  try {
    proc = await StdioProcess.spawn(checked.executable, checked.args, { cwd: e.workDir, env: childEnv.env, stderr });
  } catch (error) {
    const message = `The stdio server "${e.command}" could not be started: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    recordFailure(e, message);
    throw new AppError('upstream_error', message, { command: e.command });
  }
  installExitHook();
  e.proc = proc;
  void proc.exited.then(() => onExit(e, proc));

  const transport = new ChildProcessTransport(proc.child, {
    maxMessageBytes: env().MCP_STDIO_MAX_MESSAGE_BYTES,
    exited: proc.exited,
    terminate: () => proc.stop(),
    onFatal: (error) => {
      e.fatal = error;
      logger().warn({ stdio_key: e.key, pid: proc.pid }, error.message);
    },
  });
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  client.onerror = (error) => {
    if (!(error instanceof StdioMessageTooLargeError)) logger().debug({ stdio_key: e.key, err: error.message }, 'stdio transport error');
  };
  const timeoutSeconds = env().MCP_STDIO_START_TIMEOUT_SECONDS;
  try {
    await client.connect(transport, { timeout: timeoutSeconds * 1000 });
  } catch (error) {
    const mapped = await startError(e, proc, error, timeoutSeconds);
    recordFailure(e, mapped.message);
    await proc.stop();
    logger().warn({ stdio_key: e.key, pid: proc.pid, failures: e.failures, stderr_tail: mapped.details.stderr ?? '' }, mapped.message);
    throw mapped;
  }
  if (!proc.running) {
    const mapped = await startError(e, proc, new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), timeoutSeconds);
    recordFailure(e, mapped.message);
    throw mapped;
  }
  e.client = client;
  e.ready = true;
  e.readyAt = Date.now();
  logger().info({ stdio_key: e.key, pid: proc.pid, command: e.command }, 'stdio server started');
}

async function ensureRunning(e: Entry): Promise<void> {
  for (;;) {
    if (e.ready && e.proc?.running && e.client) return;
    if (e.starting) {
      await e.starting;
      continue;
    }
    if (e.proc) await e.proc.stop();
    const wait = e.retryAt - Date.now();
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(
        'unavailable',
        `The stdio server "${e.command}" failed ${e.failures} times in a row; next attempt in ${seconds} s. Last error: ${e.lastError ?? 'unknown'}`,
        { command: e.command, retry_after: seconds, ...(e.stderr ? { stderr: e.stderr.text(STDERR_IN_ERRORS) } : {}) },
        { 'Retry-After': String(seconds) },
      );
    }
    e.starting = start(e).finally(() => {
      e.starting = undefined;
    });
    await e.starting;
    return;
  }
}

function retire(e: Entry): void {
  if (pool.entries.get(e.key) === e) pool.entries.delete(e.key);
  e.retired = true;
  if (e.inUse > 0 || e.starting) pool.retiring.add(e);
  else void stopEntry(e);
}

/**
 * A ready client for `key`, starting (or restarting) its child when needed. Release the lease when
 * done; while held, the child is busy (never stopped for idleness or room).
 */
export async function acquireStdioClient(key: string, spec: StdioServerSpec): Promise<StdioLease> {
  return (await acquire(key, spec)).lease;
}

async function acquire(key: string, spec: StdioServerSpec): Promise<{ entry: Entry; lease: StdioLease }> {
  if (pool.shuttingDown) throw new AppError('unavailable', 'The stdio server pool is shutting down');
  const fingerprint = fingerprintOf(spec);
  let e = pool.entries.get(key);
  if (e && e.fingerprint !== fingerprint) {
    logger().info({ stdio_key: key }, 'stdio server spec changed: restarting');
    retire(e);
    e = undefined;
  }
  if (!e) {
    e = {
      key,
      fingerprint,
      spec,
      command: spec.command,
      workDir: workDirOf(key),
      ready: false,
      inUse: 0,
      lastUsed: Date.now(),
      useOrder: ++pool.uses,
      failures: 0,
      retryAt: 0,
      retired: false,
      sensitiveValues: [],
    };
    pool.entries.set(key, e);
  }
  const entry = e;
  entry.inUse += 1;
  clearIdle(entry);
  try {
    await ensureRunning(entry);
  } catch (error) {
    release(entry);
    throw error;
  }
  entry.lastUsed = Date.now();
  entry.useOrder = ++pool.uses;
  let released = false;
  const lease: StdioLease = {
    client: entry.client!,
    pid: entry.proc!.pid,
    sensitiveValues: entry.sensitiveValues,
    release: () => {
      if (released) return;
      released = true;
      release(entry);
    },
  };
  return { entry, lease };
}

function release(e: Entry): void {
  e.inUse -= 1;
  e.lastUsed = Date.now();
  e.useOrder = ++pool.uses;
  if (e.inUse > 0) return;
  if (e.retired) {
    void stopEntry(e);
    return;
  }
  if (!e.proc && e.failures === 0 && pool.entries.get(e.key) === e && !e.starting) pool.entries.delete(e.key);
  scheduleIdle(e);
}

/**
 * Runs `fn` with the key's client. A call cut off because the child died answers a 502 naming how
 * it ended; the next call restarts the child.
 */
export async function withStdioClient<T>(
  key: string,
  spec: StdioServerSpec,
  fn: (client: Client, lease: StdioLease) => Promise<T>,
): Promise<T> {
  const { entry, lease } = await acquire(key, spec);
  const proc = entry.proc;
  try {
    return await fn(lease.client, lease);
  } catch (error) {
    if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed && proc) {
      await settlesWithin(proc.exited, 5_000);
      const how = proc.exit ? ` (${describeExit(proc.exit)})` : '';
      const reason = entry.fatal?.message ?? `The stdio server "${spec.command}" exited during the request${how}`;
      throw new AppError('upstream_error', reason, { command: spec.command });
    }
    throw error;
  } finally {
    lease.release();
  }
}

/** Stops the key's child, if any (registration deleted or disabled). */
export async function stopStdioServer(key: string): Promise<void> {
  const e = pool.entries.get(key);
  if (!e) return;
  e.failures = 0;
  pool.entries.delete(key);
  await stopEntry(e);
}

/** The redacted stderr tail of the key's current (or last) child. */
export const stdioServerStderr = (key: string): string => pool.entries.get(key)?.stderr?.text() ?? '';

export function stdioPoolStatus(): StdioServerStatus[] {
  const now = Date.now();
  return allEntries().map((e) => ({
    key: e.key,
    pid: e.proc?.running ? e.proc.pid : null,
    state: e.starting ? 'starting' : e.ready && e.proc?.running ? 'running' : e.retryAt > now ? 'backing_off' : 'stopped',
    in_use: e.inUse,
    failures: e.failures,
    last_error: e.lastError ?? null,
    started_at: e.ready && e.readyAt ? new Date(e.readyAt).toISOString() : null,
    last_used_at: new Date(e.lastUsed).toISOString(),
  }));
}

/** Stops every child and waits for them; the platform calls it on shutdown (lib/startup.ts). */
export function shutdownStdioPool(): Promise<void> {
  pool.shuttingDown ??= (async () => {
    const stopAll = () =>
      Promise.allSettled(
        allEntries().map((e) => {
          clearIdle(e);
          e.ready = false;
          return e.proc?.stop();
        }),
      );
    await stopAll();
    // Starts in flight fail once their process is gone (or refuse to spawn); then nothing is left.
    await Promise.allSettled(allEntries().map((e) => e.starting));
    await stopAll();
    pool.entries.clear();
    pool.retiring.clear();
  })().finally(() => {
    pool.shuttingDown = undefined;
  });
  return pool.shuttingDown;
}
