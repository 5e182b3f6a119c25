// What the instances of one deployment tell each other (ARCHITECTURE.md, "Growing past one
// machine"): a publish/subscribe bus and a small key-value directory with expiry.
//
//   REDIS_URL set → RedisClusterBus: Redis pub/sub (a dedicated subscriber connection, as Redis
//                   requires) and plain keys, shared by every instance.
//   otherwise     → LocalClusterBus: the same API inside this process only (one instance: nothing
//                   to share, and callers skip the cross-instance paths altogether).
//
// Redis going away never crashes the process: both connections reconnect in the background
// (backoff capped at 1 s, one log line per outage), the subscriber re-subscribes its channels on
// reconnect, and a command fails within about a second (ClusterUnavailable) instead of queueing.
// Nothing secret travels here — no tokens, no credentials; the Redis URL (which may carry a
// password) is never logged.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import Redis from 'ioredis';
import { env } from '@/lib/env';
import { logger } from '@/lib/observability/logger';

/** A message on the bus: a JSON object. */
export type BusMessage = Record<string, unknown>;
export type BusHandler = (message: BusMessage, channel: string) => void;

export interface BusSubscription {
  /** true once the store confirmed the subscription; false when it could not within the deadline (it may still become active when the store is back). */
  readonly ready: Promise<boolean>;
  /** Stops delivering to this handler (idempotent). */
  close(): void;
}

export interface ClusterBus {
  /** Whether other instances hear this bus (Redis), or only this process. */
  readonly shared: boolean;
  /** This process, as the others know it (host/pid/random; nothing secret). */
  readonly instanceId: string;
  /** Sends a message; resolves to how many subscribers (connections) received it. */
  publish(channel: string, message: BusMessage): Promise<number>;
  /** Delivers the channel's messages to handler until close(). */
  subscribe(channel: string, handler: BusHandler): BusSubscription;
  /** A JSON value under key for ttlSeconds; with onlyIfExists, keeps the key's remaining time and writes nothing when the key is gone. */
  setJson(key: string, value: unknown, options: { ttlSeconds?: number; onlyIfExists?: boolean }): Promise<boolean>;
  getJson<T>(key: string): Promise<T | null>;
  expire(key: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The shared store could not answer in time (down, unreachable, refused). The message never carries its URL. */
export class ClusterUnavailable extends Error {
  override readonly name = 'ClusterUnavailable';
  constructor(cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    super(`Cluster store (redis) unavailable: ${text.split('\n', 1)[0]!.slice(0, 200)}`, { cause });
  }
}

export function newInstanceId(): string {
  return `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

function parseMessage(raw: string): BusMessage | null {
  try {
    const value = JSON.parse(raw) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as BusMessage) : null;
  } catch {
    return null;
  }
}

/** Calls every handler; one that throws is logged and does not stop the others. */
function dispatch(handlers: Iterable<BusHandler> | undefined, message: BusMessage, channel: string): void {
  for (const handler of handlers ?? []) {
    try {
      handler(message, channel);
    } catch (error) {
      logger().error({ cluster_channel: channel, err: { message: (error as Error)?.message } }, 'cluster message handler failed');
    }
  }
}

/** One process: publish reaches this process's subscribers; keys live in a Map. */
export class LocalClusterBus implements ClusterBus {
  readonly shared = false;
  readonly instanceId: string;
  private readonly handlers = new Map<string, Set<BusHandler>>();
  private readonly keys = new Map<string, { json: string; until: number }>();

  constructor(options: { instanceId?: string } = {}) {
    this.instanceId = options.instanceId ?? newInstanceId();
  }

  async publish(channel: string, message: BusMessage): Promise<number> {
    const handlers = [...(this.handlers.get(channel) ?? [])];
    // As on Redis: the message is a copy, delivered after publish returns.
    const copy = JSON.stringify(message);
    queueMicrotask(() => dispatch(handlers, parseMessage(copy)!, channel));
    return handlers.length;
  }

  subscribe(channel: string, handler: BusHandler): BusSubscription {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return {
      ready: Promise.resolve(true),
      close: () => {
        set.delete(handler);
        if (!set.size && this.handlers.get(channel) === set) this.handlers.delete(channel);
      },
    };
  }

  async setJson(key: string, value: unknown, options: { ttlSeconds?: number; onlyIfExists?: boolean }): Promise<boolean> {
    const current = this.live(key);
    if (options.onlyIfExists && !current) return false;
    const until = options.onlyIfExists ? current!.until : options.ttlSeconds ? Date.now() + options.ttlSeconds * 1000 : Infinity;
    this.keys.set(key, { json: JSON.stringify(value), until });
    return true;
  }

  async getJson<T>(key: string): Promise<T | null> {
    const entry = this.live(key);
    return entry ? (JSON.parse(entry.json) as T) : null;
  }

  async expire(key: string, ttlSeconds: number): Promise<void> {
    const entry = this.live(key);
    if (entry) entry.until = Date.now() + ttlSeconds * 1000;
  }

  async del(key: string): Promise<void> {
    this.keys.delete(key);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.keys.clear();
  }

  private live(key: string) {
    const entry = this.keys.get(key);
    if (entry && entry.until <= Date.now()) this.keys.delete(key);
    return entry && entry.until > Date.now() ? entry : undefined;
  }
}

export interface RedisClusterBusOptions {
  /** redis:// or rediss:// (may carry a password: never logged). */
  url: string;
  instanceId?: string;
  /** How long a command (or a first connection) may take. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** How long subscribe() waits for the store's confirmation before `ready` resolves false. Default 1000 ms. */
  subscribeTimeoutMs?: number;
}

const retryStrategy = (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 10), 1000) + Math.floor(Math.random() * 100);

export class RedisClusterBus implements ClusterBus {
  readonly shared = true;
  readonly instanceId: string;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<BusHandler>>();
  /** Per channel: whether its SUBSCRIBE was confirmed (every handler of the channel waits on it). */
  private readonly confirmations = new Map<string, Promise<boolean>>();
  private readonly timeoutMs: number;
  private readonly subscribeTimeoutMs: number;
  private readonly outage = { commands: 0, subscriber: 0 };
  private closed = false;

  constructor(options: RedisClusterBusOptions) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    this.subscribeTimeoutMs = options.subscribeTimeoutMs ?? 1000;
    // Commands: fail fast while disconnected (no offline queue), never resend one whose connection
    // dropped (its effect is unknown); the first one waits for the first connection (ready()).
    this.commands = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      retryStrategy,
      disableClientInfo: true, // CLIENT SETINFO is Redis >= 7.2
      connectionName: 'agentxsuite-cluster',
    });
    // Subscriber: connected at the first subscribe and for good after; (un)subscribe commands wait
    // for the connection, and ioredis re-subscribes every channel after a reconnect.
    this.subscriber = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResubscribe: true,
      connectTimeout: this.timeoutMs,
      retryStrategy,
      disableClientInfo: true,
      connectionName: 'agentxsuite-cluster-sub',
    });
    for (const [name, client] of [
      ['commands', this.commands],
      ['subscriber', this.subscriber],
    ] as const) {
      client.on('error', (error: Error) => this.logOutage(name, error));
      client.on('ready', () => {
        if (this.outage[name]) logger().info({ cluster_connection: name }, 'cluster store reconnected');
        this.outage[name] = 0;
      });
    }
    this.subscriber.on('message', (channel: string, raw: string) => {
      const message = parseMessage(raw);
      if (!message) {
        logger().warn({ cluster_channel: channel }, 'cluster message ignored: not a JSON object');
        return;
      }
      dispatch([...(this.handlers.get(channel) ?? [])], message, channel);
    });
  }

  async publish(channel: string, message: BusMessage): Promise<number> {
    return this.run(() => this.commands.publish(channel, JSON.stringify(message)));
  }

  subscribe(channel: string, handler: BusHandler): BusSubscription {
    let set = this.handlers.get(channel);
    const first = !set;
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(handler);
    // A later handler on the channel is ready when the channel's one SUBSCRIBE is confirmed — not
    // before: a message published in between would not reach it.
    if (first) this.confirmations.set(channel, this.confirm(this.subscriber.subscribe(channel)));
    const ready = this.confirmations.get(channel) ?? Promise.resolve(true);
    let open = true;
    return {
      ready,
      close: () => {
        if (!open) return;
        open = false;
        set.delete(handler);
        if (set.size || this.handlers.get(channel) !== set) return;
        this.handlers.delete(channel);
        this.confirmations.delete(channel);
        if (this.closed) return;
        this.subscriber.unsubscribe(channel).catch((error: unknown) => this.logOutage('subscriber', error as Error));
      },
    };
  }

  async setJson(key: string, value: unknown, options: { ttlSeconds?: number; onlyIfExists?: boolean }): Promise<boolean> {
    const json = JSON.stringify(value);
    const reply = await this.run(() =>
      options.onlyIfExists
        ? this.commands.set(key, json, 'KEEPTTL', 'XX')
        : options.ttlSeconds
          ? this.commands.set(key, json, 'EX', Math.max(1, Math.ceil(options.ttlSeconds)))
          : this.commands.set(key, json),
    );
    return reply === 'OK';
  }

  async getJson<T>(key: string): Promise<T | null> {
    const raw = await this.run(() => this.commands.get(key));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return null;
    }
  }

  async expire(key: string, ttlSeconds: number): Promise<void> {
    await this.run(() => this.commands.expire(key, Math.max(1, Math.ceil(ttlSeconds))));
  }

  async del(key: string): Promise<void> {
    await this.run(() => this.commands.del(key));
  }

  /** Drops both connections at once and stops reconnecting; pending commands fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.confirmations.clear();
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await command();
    } catch (error) {
      throw error instanceof ClusterUnavailable ? error : new ClusterUnavailable(error);
    }
  }

  /** true when the subscription was confirmed within the deadline; never rejects. */
  private confirm(pending: Promise<unknown>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.subscribeTimeoutMs);
      timer.unref?.();
      pending.then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.logOutage('subscriber', error as Error);
          resolve(false);
        },
      );
    });
  }

  /** Resolves when the command connection is ready; waits for a connection in progress, fails fast otherwise. */
  private async ready(): Promise<void> {
    const client = this.commands;
    if (this.closed) throw new Error('cluster bus closed');
    if (client.status === 'ready') return;
    if (client.status === 'wait') client.connect().catch(() => {});
    if (client.status !== 'connecting' && client.status !== 'connect' && client.status !== 'wait') {
      throw new Error(`connection to Redis is ${client.status}`);
    }
    await new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      const done = (error?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('close', onEnd);
        client.off('end', onEnd);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done();
      const onError = (error: Error) => void (lastError = error);
      const onEnd = () => done(lastError ?? new Error('connection to Redis closed before it was ready'));
      const timer = setTimeout(() => done(new Error(`no connection to Redis within ${this.timeoutMs} ms${lastError ? ` (${lastError.message})` : ''}`)), this.timeoutMs);
      client.on('ready', onReady);
      client.on('error', onError);
      client.on('close', onEnd);
      client.on('end', onEnd);
    });
  }

  private logOutage(connection: 'commands' | 'subscriber', error: Error): void {
    if (this.closed) return;
    const now = Date.now();
    if (now - this.outage[connection] < 60_000) return;
    this.outage[connection] = now;
    logger().warn({ cluster_connection: connection, err: { message: error?.message } }, 'cluster store unreachable');
  }
}

const g = globalThis as unknown as { __axsClusterBus?: ClusterBus };

/**
 * The process-wide bus for the settings. On globalThis: Next bundles server actions apart from
 * route handlers, and one process must have one bus (one subscriber connection, one instance id).
 */
export function getClusterBus(): ClusterBus {
  if (!g.__axsClusterBus) {
    const { REDIS_URL } = env();
    g.__axsClusterBus = REDIS_URL ? new RedisClusterBus({ url: REDIS_URL }) : new LocalClusterBus();
  }
  return g.__axsClusterBus;
}

/** Closes the process-wide bus (shutdown, tests); the next getClusterBus() makes a new one. */
export async function closeClusterBus(): Promise<void> {
  const current = g.__axsClusterBus;
  g.__axsClusterBus = undefined;
  await current?.close();
}

/** Tests install their own bus (undefined: back to the settings' choice on next use). */
export function setClusterBusForTests(bus: ClusterBus | undefined): void {
  g.__axsClusterBus = bus;
}
