// What the gateway holds in memory for MCP clients that do not read as fast as messages come:
// an upstream that floods progress or log notifications toward a client that stopped reading
// must not grow this process's memory without bound. Every message waiting for a slow reader —
// on a Streamable HTTP response stream, or in a legacy SSE session's queue — is counted in bytes
// against its stream, its agent, its organization and this process. A stream that would pass its
// own cap is ended (the client is disconnected; the session's other streams and the calls behind
// them go on); under a full shared cap, the stream holding the most there is ended instead. A
// message a reader is already waiting for is handed over at once and never counted, and a lone
// message always goes, so a client that keeps up never meets these caps.
import { logger } from '@/lib/observability/logger';

export interface OutboundLimits {
  /** Bytes one stream may have waiting (a lone message always goes: nothing else waits then). */
  perStreamBytes: number;
  /** Bytes all streams of one agent may have waiting. */
  perAgentBytes: number;
  /** Bytes all streams of one organization may have waiting. */
  perOrgBytes: number;
  /** Bytes all streams of this process may have waiting. */
  totalBytes: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_OUTBOUND_LIMITS: OutboundLimits = {
  perStreamBytes: 64 * MiB,
  perAgentBytes: 128 * MiB,
  perOrgBytes: 512 * MiB,
  totalBytes: 1024 * MiB,
};

export type OutboundLimit = 'stream' | 'agent' | 'org' | 'total';

export interface StreamOwner {
  agentId: string;
  orgId: string;
}

/**
 * Bytes waiting, per agent, per organization and in all, and the streams holding them. When a
 * shared cap (agent, org, process) is full, the stream holding the most within it is ended — not
 * the one that asks for room: a client that reads is never ended for what another one hoards.
 */
export class OutboundLedger {
  private readonly byAgent = new Map<string, number>();
  private readonly byOrg = new Map<string, number>();
  private heldTotal = 0;
  /** Streams with bytes waiting. */
  private readonly holders = new Set<StreamAccount>();

  constructor(readonly limits: OutboundLimits = DEFAULT_OUTBOUND_LIMITS) {}

  /** Which shared cap `bytes` more for `owner` would pass, or null. */
  private over(owner: StreamOwner, bytes: number): Exclude<OutboundLimit, 'stream'> | null {
    if ((this.byAgent.get(owner.agentId) ?? 0) + bytes > this.limits.perAgentBytes) return 'agent';
    if ((this.byOrg.get(owner.orgId) ?? 0) + bytes > this.limits.perOrgBytes) return 'org';
    if (this.heldTotal + bytes > this.limits.totalBytes) return 'total';
    return null;
  }

  /**
   * Counts `bytes` for `account`, ending the largest other holders under a full cap to make room;
   * names the cap when `account` itself holds the most there (nothing counted then). `force`:
   * counted whatever the caps (a lone message).
   */
  take(account: StreamAccount, bytes: number, force = false): Exclude<OutboundLimit, 'stream'> | null {
    const { owner } = account;
    for (let limit = force ? null : this.over(owner, bytes); limit; limit = this.over(owner, bytes)) {
      const within = (a: StreamAccount) =>
        limit === 'agent' ? a.owner.agentId === owner.agentId : limit === 'org' ? a.owner.orgId === owner.orgId : true;
      let largest: StreamAccount | undefined;
      for (const a of this.holders) if (within(a) && (!largest || a.held > largest.held)) largest = a;
      if (!largest || largest === account || largest.held <= account.held) return limit;
      largest.evict(limit);
    }
    this.byAgent.set(owner.agentId, (this.byAgent.get(owner.agentId) ?? 0) + bytes);
    this.byOrg.set(owner.orgId, (this.byOrg.get(owner.orgId) ?? 0) + bytes);
    this.heldTotal += bytes;
    if (bytes > 0) this.holders.add(account);
    return null;
  }

  give(account: StreamAccount, bytes: number): void {
    if (bytes <= 0) return;
    const left = (map: Map<string, number>, key: string) => {
      const value = (map.get(key) ?? 0) - bytes;
      if (value > 0) map.set(key, value);
      else map.delete(key);
    };
    left(this.byAgent, account.owner.agentId);
    left(this.byOrg, account.owner.orgId);
    this.heldTotal = Math.max(0, this.heldTotal - bytes);
    if (account.held <= 0) this.holders.delete(account);
  }

  /** What is held now (tests, metrics). */
  held(owner?: Partial<StreamOwner>): number {
    if (owner?.agentId) return this.byAgent.get(owner.agentId) ?? 0;
    if (owner?.orgId) return this.byOrg.get(owner.orgId) ?? 0;
    return this.heldTotal;
  }
}

const g = globalThis as unknown as { __axsOutboundLedger?: OutboundLedger };

/** This process's ledger (one for both transports, so the caps hold over all of them). */
export const outboundLedger = (): OutboundLedger => (g.__axsOutboundLedger ??= new OutboundLedger());

/** Tests only: a ledger with other limits; undefined restores the default one. */
export function setOutboundLedgerForTests(ledger: OutboundLedger | undefined): void {
  g.__axsOutboundLedger = ledger;
}

/** Why a stream was ended: its reader did not keep up and a cap was reached. */
export class OutboundOverflowError extends Error {
  constructor(readonly limit: OutboundLimit) {
    super(`The client is not reading its MCP stream; it was closed at the ${limit} cap on waiting messages`);
    this.name = 'OutboundOverflowError';
  }
}

/**
 * One stream's account: its own cap, and the ledger's for its owner. `admit` before a message is
 * queued for a slow reader, `release` when the reader takes it, `releaseAll` when the stream
 * ends. The stream sets `onEvicted`: how to end it when the ledger picks it to make room.
 */
export class StreamAccount {
  /** Bytes of this stream waiting for its reader. */
  held = 0;
  onEvicted?: (error: OutboundOverflowError) => void;

  constructor(
    readonly owner: StreamOwner,
    private readonly ledger: OutboundLedger = outboundLedger(),
  ) {}

  /** `alone`: nothing of this stream waits yet — a lone message always goes (as a reader that keeps up sees it). */
  admit(bytes: number, alone = false): OutboundLimit | null {
    if (!alone && this.held + bytes > this.ledger.limits.perStreamBytes) return 'stream';
    const refused = this.ledger.take(this, bytes, alone);
    if (refused) return refused;
    this.held += bytes;
    return null;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
    this.ledger.give(this, bytes);
  }

  releaseAll(): void {
    const bytes = this.held;
    this.held = 0;
    this.ledger.give(this, bytes);
  }

  /** Logs the overflow (who, which cap; never content) and returns the error to end the stream with. */
  overflow(limit: OutboundLimit): OutboundOverflowError {
    logger().warn(
      { agent_id: this.owner.agentId, org_id: this.owner.orgId, limit, waiting_bytes: this.held },
      'MCP client not reading: stream closed at its cap',
    );
    return new OutboundOverflowError(limit);
  }

  /** Ended by the ledger to make room under a full shared cap (this stream held the most there). */
  evict(limit: OutboundLimit): void {
    const error = this.overflow(limit);
    if (this.onEvicted) this.onEvicted(error);
    else this.releaseAll();
  }
}

/**
 * A response body that takes every chunk `reader` gives as soon as it comes (the SDK's streams
 * queue without bound), holds what its own reader has not taken yet under `account`, and ends
 * with an error — cancelling `reader` — when a chunk would pass a cap. `first`: reads already
 * started on `reader`, delivered before anything else.
 */
export function accountedStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  account: StreamAccount,
  first: Promise<ReadableStreamReadResult<Uint8Array>>[] = [],
): ReadableStream<Uint8Array> {
  const queue: Uint8Array[] = [];
  let out!: ReadableStreamDefaultController<Uint8Array>;
  /** The reader asked for a chunk while none was queued: the next one goes straight to it. */
  let wanted = false;
  /** The source ended; close once the queue is empty. */
  let ended = false;
  /** Cancelled by the consumer or failed: nothing more happens. */
  let over = false;

  const fail = (error: unknown) => {
    if (over) return;
    over = true;
    queue.length = 0;
    account.releaseAll();
    void reader.cancel(error).catch(() => {});
    try {
      out.error(error);
    } catch {
      // already closed
    }
  };

  const pump = async () => {
    try {
      for (;;) {
        const { done, value } = await (first.shift() ?? reader.read());
        if (over) return;
        if (done) {
          ended = true;
          if (!queue.length) out.close();
          return;
        }
        if (wanted) {
          wanted = false;
          out.enqueue(value);
          continue;
        }
        const refused = account.admit(value.byteLength, queue.length === 0);
        if (refused) {
          fail(account.overflow(refused));
          return;
        }
        queue.push(value);
      }
    } catch (error) {
      fail(error);
    }
  };

  account.onEvicted = fail;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        out = controller;
        void pump();
      },
      pull() {
        if (over) return;
        const next = queue.shift();
        if (next) {
          account.release(next.byteLength);
          out.enqueue(next);
          if (ended && !queue.length) out.close();
        } else if (!ended) {
          wanted = true;
        }
      },
      cancel(reason) {
        if (over) return;
        over = true;
        queue.length = 0;
        account.releaseAll();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
