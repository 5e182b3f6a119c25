// Legacy HTTP+SSE sessions across instances. A session's event stream lives on the instance that
// answered its GET …/sse; its client may POST …/messages to any instance behind the load balancer.
//
//   - The holder records the session — `axs:mcp:sse:<id>` = {instance, agentId, orgId, jti,
//     protocolVersion}, expiring after the session's idle timeout, refreshed on activity, deleted
//     when the session ends — and subscribes to `axs:mcp:sse:msg:<id>`.
//   - Another instance that receives a POST for a session it does not hold authenticates the agent
//     as usual, looks the record up (unknown, or another agent's → 404 as for a local session),
//     validates the message exactly as the holder would, and publishes it on the session's channel;
//     the holder hands it to its transport, and the answers go down the stream it holds.
//   - PUBLISH answers how many subscribers got it: 0 means no live instance holds the session any
//     more (crashed, or closed a moment ago) → 404, and the stale record is dropped.
//
// The relayed message carries the agent id, the JSON-RPC body and the path it was POSTed to —
// never the request's credentials. Redis is trusted like the database: whoever can publish there
// can speak in a session.
import { logger } from '@/lib/observability/logger';
import { ClusterUnavailable, type BusMessage, type BusSubscription, type ClusterBus } from './bus';

export const SSE_RECORD_PREFIX = 'axs:mcp:sse:';
export const SSE_CHANNEL_PREFIX = 'axs:mcp:sse:msg:';

export const sseRecordKey = (sessionId: string) => `${SSE_RECORD_PREFIX}${sessionId}`;
export const sseChannel = (sessionId: string) => `${SSE_CHANNEL_PREFIX}${sessionId}`;

/** Session ids the gateway hands out (random UUIDs); anything else is unknown without asking Redis. */
export const isSessionId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export interface SseSessionRecord {
  /** The instance holding the stream. */
  instance: string;
  agentId: string;
  orgId: string;
  jti: string | null;
  /** The version negotiated at initialize (decides whether batches are allowed); null before. */
  protocolVersion: string | null;
}

/** A client message POSTed to another instance, on its way to the holder. */
export interface RelayedMessage {
  /** The instance that received the POST. */
  from: string;
  /** The authenticated agent that POSTed it (the holder checks it owns the session). */
  agentId: string;
  /** The JSON-RPC message or batch, as validated by the receiving instance. */
  body: unknown;
  /** Path and query the client POSTed to (for the transport's request info). */
  path: string;
}

export interface SseRelayOptions {
  /** Lifetime of a session record without activity: the session table's idle timeout. */
  ttlSeconds: number;
  /** Hands a relayed message to the local session (called on the holder). */
  deliver: (sessionId: string, message: RelayedMessage) => void;
  /** Activity refreshes a record's expiry at most this often. Default min(ttl/10, 30 s). */
  refreshEveryMs?: number;
}

function asRelayedMessage(message: BusMessage): RelayedMessage | null {
  const { from, agentId, body, path } = message;
  if (typeof from !== 'string' || typeof agentId !== 'string' || typeof path !== 'string' || body === undefined) return null;
  return { from, agentId, body, path };
}

export class SseRelay {
  private readonly subscriptions = new Map<string, BusSubscription>();
  private readonly refreshedAt = new Map<string, number>();
  private readonly refreshEveryMs: number;

  constructor(
    readonly bus: ClusterBus,
    private readonly options: SseRelayOptions,
  ) {
    this.refreshEveryMs = options.refreshEveryMs ?? Math.min((options.ttlSeconds * 1000) / 10, 30_000);
  }

  get instanceId(): string {
    return this.bus.instanceId;
  }

  /** Sessions this instance announced and has not withdrawn. */
  get held(): number {
    return this.subscriptions.size;
  }

  /**
   * Records a session this instance holds and listens for messages POSTed elsewhere. Never throws:
   * false when the store did not confirm in time — the session then works through this instance
   * only (and joins in when the store is back, as the subscription is kept).
   */
  async announce(sessionId: string, owner: { agentId: string; orgId: string; jti: string | null }): Promise<boolean> {
    if (this.subscriptions.has(sessionId)) return true;
    const subscription = this.bus.subscribe(sseChannel(sessionId), (message) => this.receive(sessionId, message));
    this.subscriptions.set(sessionId, subscription);
    this.refreshedAt.set(sessionId, Date.now());
    const record: SseSessionRecord = { instance: this.instanceId, ...owner, protocolVersion: null };
    const [subscribed, recorded] = await Promise.all([
      subscription.ready,
      this.bus.setJson(sseRecordKey(sessionId), record, { ttlSeconds: this.options.ttlSeconds }).then(
        () => true,
        (error: unknown) => this.failed('record', error),
      ),
    ]);
    // Closed while we were writing: the record must not outlive the session.
    if (this.subscriptions.get(sessionId) !== subscription) await this.bus.del(sseRecordKey(sessionId)).catch(() => {});
    return subscribed && recorded;
  }

  /** The session ended here: stop listening and drop its record. Never throws. */
  async withdraw(sessionId: string): Promise<void> {
    const subscription = this.subscriptions.get(sessionId);
    if (!subscription) return;
    this.subscriptions.delete(sessionId);
    this.refreshedAt.delete(sessionId);
    subscription.close();
    await this.bus.del(sseRecordKey(sessionId)).catch((error: unknown) => this.failed('withdraw', error));
  }

  /** Activity on a held session: its record lives another ttl (written at most every refreshEveryMs). */
  touch(sessionId: string): void {
    if (!this.subscriptions.has(sessionId)) return;
    const now = Date.now();
    if (now - (this.refreshedAt.get(sessionId) ?? 0) < this.refreshEveryMs) return;
    this.refreshedAt.set(sessionId, now);
    this.bus.expire(sseRecordKey(sessionId), this.options.ttlSeconds).catch((error: unknown) => this.failed('refresh', error));
  }

  /**
   * The client's initialize named its protocol version: recorded, so that every instance applies
   * the same batch rule to the session. Resolves once written (or failed: never throws).
   */
  async noteProtocolVersion(sessionId: string, protocolVersion: string): Promise<void> {
    try {
      const record = await this.bus.getJson<SseSessionRecord>(sseRecordKey(sessionId));
      if (!record || record.protocolVersion === protocolVersion) return;
      await this.bus.setJson(sseRecordKey(sessionId), { ...record, protocolVersion }, { onlyIfExists: true });
    } catch (error) {
      this.failed('protocol version', error);
    }
  }

  /** The record of a session held anywhere, or null. Throws ClusterUnavailable when the store cannot answer. */
  async lookup(sessionId: string): Promise<SseSessionRecord | null> {
    if (!isSessionId(sessionId)) return null;
    const record = await this.bus.getJson<SseSessionRecord>(sseRecordKey(sessionId));
    if (!record || typeof record.instance !== 'string' || typeof record.agentId !== 'string') return null;
    return record;
  }

  /**
   * Sends a validated message to the session's holder. false when nobody holds it any more (its
   * stale record is dropped); throws ClusterUnavailable when the store cannot answer.
   */
  async forward(sessionId: string, message: Omit<RelayedMessage, 'from'>): Promise<boolean> {
    const receivers = await this.bus.publish(sseChannel(sessionId), { from: this.instanceId, ...message });
    if (receivers > 0) return true;
    await this.bus.del(sseRecordKey(sessionId)).catch(() => {});
    return false;
  }

  /** Stops listening for every held session (shutdown); records expire or are withdrawn by their sessions' close. */
  close(): void {
    for (const subscription of this.subscriptions.values()) subscription.close();
    this.subscriptions.clear();
    this.refreshedAt.clear();
  }

  private receive(sessionId: string, raw: BusMessage): void {
    if (!this.subscriptions.has(sessionId)) return;
    const message = asRelayedMessage(raw);
    if (!message) {
      logger().warn({ cluster_channel: sseChannel(sessionId) }, 'relayed MCP message ignored: malformed');
      return;
    }
    this.options.deliver(sessionId, message);
  }

  private failed(what: string, error: unknown): false {
    const cause = error instanceof ClusterUnavailable ? error.message : `Cluster store error: ${(error as Error)?.message}`;
    logger().warn({ cluster_op: `sse ${what}`, err: { message: cause } }, 'cluster store call failed');
    return false;
  }
}

const g = globalThis as unknown as { __axsSseRelay?: SseRelay };

/**
 * This process's relay when the bus is shared (REDIS_URL), else null: one instance holds every
 * session and nothing is relayed. The first caller's options are kept for the bus's lifetime.
 */
export function processSseRelay(bus: ClusterBus, options: SseRelayOptions): SseRelay | null {
  if (!bus.shared) return null;
  if (!g.__axsSseRelay || g.__axsSseRelay.bus !== bus) {
    g.__axsSseRelay?.close();
    g.__axsSseRelay = new SseRelay(bus, options);
  }
  return g.__axsSseRelay;
}
