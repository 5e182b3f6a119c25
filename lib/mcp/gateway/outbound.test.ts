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
  it('counts per agent, per organization and in all, and names the cap a message would pass', () => {
    const ledger = new OutboundLedger(limits({ perAgentBytes: 100, perOrgBytes: 150, totalBytes: 200 }));
    expect(ledger.take(alice, 100)).toBeNull();
    expect(ledger.take(alice, 1)).toBe('agent');
    expect(ledger.take(bob, 60)).toBe('org');
    expect(ledger.take(bob, 50)).toBeNull();
    expect(ledger.take(carol, 60)).toBe('total');
    expect(ledger.held()).toBe(150);
    ledger.give(alice, 100);
    expect(ledger.held(alice)).toBe(0);
    expect(ledger.take(carol, 60)).toBeNull();
    expect(ledger.held({ orgId: 'o1' })).toBe(50);
  });
});

describe('accountedStream', () => {
  it('ends a stream whose reader does not keep up at its message cap, cancels the source, and gives back what it held', async () => {
    const ledger = new OutboundLedger(limits({ perStreamMessages: 3 }));
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

  it("ends a stream at its agent's cap, counted over all the agent's streams", async () => {
    const ledger = new OutboundLedger(limits({ perAgentBytes: 100 }));
    const first = source();
    const second = source();
    accountedStream(first.stream.getReader(), new StreamAccount(alice, ledger));
    const out = accountedStream(second.stream.getReader(), new StreamAccount(alice, ledger));
    first.push(60);
    second.push(30);
    await settle();
    second.push(20);
    await settle();
    await expect(out.getReader().read()).rejects.toMatchObject({ limit: 'agent' });
    expect(ledger.held(alice)).toBe(60);
  });

  it('delivers everything in order to a reader that keeps up, counting nothing, and earlier reads first', async () => {
    const ledger = new OutboundLedger(limits({ perStreamMessages: 1 }));
    const src = source();
    const reader = src.stream.getReader();
    const out = accountedStream(reader, new StreamAccount(alice, ledger), [Promise.resolve({ done: false as const, value: bytes(1) })]).getReader();
    const sizes: number[] = [];
    expect((await out.read()).value?.length).toBe(1);
    for (let n = 2; n <= 6; n++) {
      const next = out.read();
      src.push(n);
      sizes.push((await next).value!.length);
      expect(ledger.held()).toBe(0);
    }
    src.end();
    expect(await out.read()).toEqual({ done: true, value: undefined });
    expect(sizes).toEqual([2, 3, 4, 5, 6]);
  });

  it('gives back what it held when the client goes away, and delivers what was queued before a normal end', async () => {
    const ledger = new OutboundLedger(limits({}));
    const gone = source();
    const left = accountedStream(gone.stream.getReader(), new StreamAccount(alice, ledger));
    gone.push(40);
    await settle();
    expect(ledger.held()).toBe(40);
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
