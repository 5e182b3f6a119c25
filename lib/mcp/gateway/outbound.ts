// What the gateway holds in memory for MCP clients that do not read as fast as messages come:
// an upstream that floods progress or log notifications toward a client that stopped reading
// must not grow this process's memory without bound. Every message waiting for a slow reader —
// on a Streamable HTTP response stream, or in a legacy SSE session's queue — is counted against
// its stream (messages and bytes), its agent, its organization and this process; the message that
// would pass any cap ends that stream instead (the client is disconnected; the session's other
// streams and the calls behind them go on). A message a reader is already waiting for is handed
// over at once and never counted, so a client that keeps up never meets these caps.
import { logger } from '@/lib/observability/logger';

export interface OutboundLimits {
  /** Messages one stream may have waiting. */
  perStreamMessages: number;
  /** Bytes one stream may have waiting. */
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
  perStreamMessages: 1000,
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

/** Bytes waiting, per agent, per organization and in all. */
export class OutboundLedger {
  private readonly byAgent = new Map<string, number>();
  private readonly byOrg = new Map<string, number>();
  private heldTotal = 0;

  constructor(readonly limits: OutboundLimits = DEFAULT_OUTBOUND_LIMITS) {}

  /** Counts `bytes` for the owner, or names the cap it would pass (and counts nothing). */
  take(owner: StreamOwner, bytes: number): Exclude<OutboundLimit, 'stream'> | null {
    const agent = (this.byAgent.get(owner.agentId) ?? 0) + bytes;
    const org = (this.byOrg.get(owner.orgId) ?? 0) + bytes;
    if (agent > this.limits.perAgentBytes) return 'agent';
    if (org > this.limits.perOrgBytes) return 'org';
    if (this.heldTotal + bytes > this.limits.totalBytes) return 'total';
    this.byAgent.set(owner.agentId, agent);
    this.byOrg.set(owner.orgId, org);
    this.heldTotal += bytes;
    return null;
  }

  give(owner: StreamOwner, bytes: number): void {
    if (bytes <= 0) return;
    const left = (map: Map<string, number>, key: string) => {
      const value = (map.get(key) ?? 0) - bytes;
      if (value > 0) map.set(key, value);
      else map.delete(key);
    };
    left(this.byAgent, owner.agentId);
    left(this.byOrg, owner.orgId);
    this.heldTotal = Math.max(0, this.heldTotal - bytes);
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
 * One stream's account: its own caps, and the ledger's for its owner. `admit` before a message
 * is queued for a slow reader, `release` when the reader takes it, `releaseAll` when the stream ends.
 */
export class StreamAccount {
  private messages = 0;
  private bytes = 0;

  constructor(
    private readonly owner: StreamOwner,
    private readonly ledger: OutboundLedger = outboundLedger(),
  ) {}

  admit(bytes: number): OutboundLimit | null {
    const { perStreamMessages, perStreamBytes } = this.ledger.limits;
    if (this.messages + 1 > perStreamMessages || this.bytes + bytes > perStreamBytes) return 'stream';
    const refused = this.ledger.take(this.owner, bytes);
    if (refused) return refused;
    this.messages += 1;
    this.bytes += bytes;
    return null;
  }

  release(bytes: number): void {
    this.messages = Math.max(0, this.messages - 1);
    this.bytes -= bytes;
    this.ledger.give(this.owner, bytes);
  }

  releaseAll(): void {
    this.ledger.give(this.owner, this.bytes);
    this.messages = 0;
    this.bytes = 0;
  }

  /** Logs the overflow (who, which cap; never content) and returns the error to end the stream with. */
  overflow(limit: OutboundLimit): OutboundOverflowError {
    logger().warn(
      { agent_id: this.owner.agentId, org_id: this.owner.orgId, limit, waiting_messages: this.messages, waiting_bytes: this.bytes },
      'MCP client not reading: stream closed at its cap',
    );
    return new OutboundOverflowError(limit);
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
        const refused = account.admit(value.byteLength);
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
