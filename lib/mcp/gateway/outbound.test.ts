import { describe, expect, it } from 'vitest';
import { accountedStream, DEFAULT_OUTBOUND_LIMITS, OutboundLedger, OutboundOverflowError, StreamAccount } from './outbound';
import { SseQueueOverflowError, WebSseServerTransport } from './sse-transport';

const limits = (overrides: Partial<typeof DEFAULT_OUTBOUND_LIMITS>) => ({ ...DEFAULT_OUTBOUND_LIMITS, ...overrides });
const alice = { agentId: 'a1', orgId: 'o1' };
const bob = { agentId: 'a2', orgId: 'o1' };
const carol = { agentId: 'a3', orgId: 'o2' };
const bytes = (n: number) => new Uint8Array(n);

/** A source the test writes into, as the SDK's streams are: enqueued without regard to the reader. */
function source() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown = null;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: (reason) => void (cancelled = reason ?? 'cancelled'),
  });
  return { stream, push: (n: number) => controller.enqueue(bytes(n)), end: () => controller.close(), cancelled: () => cancelled };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('OutboundLedger', () => {
  it('counts per agent, per organization and in all; under a full cap the largest other holder there is ended, never a smaller newcomer', () => {
    const ledger = new OutboundLedger(limits({ perAgentBytes: 100, perOrgBytes: 150, totalBytes: 200 }));
    const ended: string[] = [];
    const account = (owner: typeof alice, name: string) => {
      const a = new StreamAccount(owner, ledger);
      a.onEvicted = (error) => {
        ended.push(`${name}:${error.limit}`);
        a.releaseAll();
      };
      return a;
    };
    const [a1, a2, b1, c1] = [account(alice, 'a1'), account(alice, 'a2'), account(bob, 'b1'), account(carol, 'c1')];
    expect(a1.admit(90)).toBeNull();
    // Alice's cap: a1 holds the most of hers, so it goes to make room for a2.
    expect(a2.admit(20)).toBeNull();
    expect(ended).toEqual(['a1:agent']);
    expect(ledger.held(alice)).toBe(20);
    // The holder that asks and holds the most is itself refused.
    expect(a2.admit(90)).toBe('agent');
    expect(b1.admit(100)).toBeNull();
    // Org o1 is full (120 of 150): b1 (100) is its largest holder, not a2 (20).
    expect(a2.admit(40)).toBeNull();
    expect(ended).toEqual(['a1:agent', 'b1:org']);
    expect(c1.admit(100)).toBeNull();
    expect(ledger.held()).toBe(160);
    // The process is full for dave's 50: c1, the largest holder anywhere, goes.
    const d1 = account({ agentId: 'a4', orgId: 'o3' }, 'd1');
    expect(d1.admit(50)).toBeNull();
    expect(ended).toEqual(['a1:agent', 'b1:org', 'c1:total']);
    expect(ledger.held()).toBe(110);
    a2.releaseAll();
    d1.releaseAll();
    expect(ledger.held()).toBe(0);
  });

  it('lets a lone message through whatever its size, counted', () => {
    const ledger = new OutboundLedger(limits({ perStreamBytes: 10, perAgentBytes: 10 }));
    const a = new StreamAccount(alice, ledger);
    expect(a.admit(500, true)).toBeNull();
    expect(ledger.held(alice)).toBe(500);
    expect(a.admit(1)).toBe('stream');
  });
});

describe('accountedStream', () => {
  it('ends a stream whose reader does not keep up at its byte cap, cancels the source, and gives back what it held', async () => {
    const ledger = new OutboundLedger(limits({ perStreamBytes: 30 }));
    const src = source();
    const out = accountedStream(src.stream.getReader(), new StreamAccount(alice, ledger));
    for (let i = 0; i < 3; i++) src.push(10);
    await settle();
    expect(ledger.held(alice)).toBe(30);
    src.push(10);
    await settle();
    await expect(out.getReader().read()).rejects.toBeInstanceOf(OutboundOverflowError);
    expect(src.cancelled()).toBeInstanceOf(OutboundOverflowError);
    expect(ledger.held()).toBe(0);
  });

  it("under the agent's cap, ends the agent's stream that holds the most, not the one asking", async () => {
    const ledger = new OutboundLedger(limits({ perAgentBytes: 100 }));
    const hoarder = source();
    const reader = source();
    const hoarding = accountedStream(hoarder.stream.getReader(), new StreamAccount(alice, ledger));
    const reading = accountedStream(reader.stream.getReader(), new StreamAccount(alice, ledger));
    hoarder.push(30);
    hoarder.push(50);
    reader.push(10);
    reader.push(20);
    await settle();
    await expect(hoarding.getReader().read()).rejects.toMatchObject({ limit: 'agent' });
    expect(hoarder.cancelled()).toBeInstanceOf(OutboundOverflowError);
    const r = reading.getReader();
    expect((await r.read()).value?.length).toBe(10);
    expect((await r.read()).value?.length).toBe(20);
    expect(ledger.held(alice)).toBe(0);
  });

  it('delivers a burst to a reader that keeps up, and earlier reads first', async () => {
    const ledger = new OutboundLedger(limits({ perStreamBytes: 100 }));
    const src = source();
    const out = accountedStream(src.stream.getReader(), new StreamAccount(alice, ledger), [Promise.resolve({ done: false as const, value: bytes(1) })]).getReader();
    expect((await out.read()).value?.length).toBe(1);
    // 2,000 small events at once: more than any message count, far less than the byte cap in flight.
    for (let i = 0; i < 2_000; i++) src.push(2);
    src.end();
    let total = 0;
    for (let r = await out.read(); !r.done; r = await out.read()) total += r.value.length;
    expect(total).toBe(4_000);
    expect(ledger.held()).toBe(0);
  });

  it('gives back what it held when the client goes away, and delivers what was queued before a normal end', async () => {
    const ledger = new OutboundLedger(limits({}));
    const gone = source();
    const left = accountedStream(gone.stream.getReader(), new StreamAccount(alice, ledger));
    gone.push(40);
    gone.push(40);
    await settle();
    expect(ledger.held()).toBe(80);
    await left.cancel('client left');
    expect(ledger.held()).toBe(0);
    expect(gone.cancelled()).toBe('client left');

    const ends = source();
    const out = accountedStream(ends.stream.getReader(), new StreamAccount(alice, ledger)).getReader();
    ends.push(5);
    ends.push(7);
    ends.end();
    await settle();
    expect((await out.read()).value?.length).toBe(5);
    expect((await out.read()).value?.length).toBe(7);
    expect((await out.read()).done).toBe(true);
    expect(ledger.held()).toBe(0);
  });
});

describe('legacy SSE sessions under the shared caps', () => {
  it("closes a session whose client stopped reading once the agent's cap over all its sessions is reached", async () => {
    const ledger = new OutboundLedger(limits({ perAgentBytes: 4_500 }));
    const open = () => {
      const transport = new WebSseServerTransport({ messagesUrl: '/m', keepAliveMs: 0, account: new StreamAccount(alice, ledger) });
      transport.response();
      return transport;
    };
    const [one, two] = [open(), open()];
    const message = { jsonrpc: '2.0' as const, method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(900) } };
    // The endpoint event waits in each queue, so every message after it is a backlog.
    await one.send(message);
    await one.send(message);
    await two.send(message);
    await two.send(message);
    expect(ledger.held(alice)).toBeGreaterThan(4_000);
    await expect(two.send(message)).rejects.toBeInstanceOf(SseQueueOverflowError);
    expect(two.isClosed).toBe(true);
    expect(one.isClosed).toBe(false);
    await one.close();
    expect(ledger.held()).toBe(0);
  });
});
