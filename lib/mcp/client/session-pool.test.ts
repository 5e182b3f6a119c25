// The upstream session pool against a real MCP server (stateful Streamable HTTP): calls share a
// session, partitions never do, a forgotten session is reopened once, an aborted call leaves the
// session to the others, logs and server requests reach the call they came for, idle sessions close.
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '@/lib/env';
import { startTestMcpServer, type TestMcpServer } from '@/test/helpers/mcp-server';
import type { UpstreamSpec } from './connect';
import { UpstreamSessionPool } from './session-pool';

let upstream: TestMcpServer;
let spec: UpstreamSpec;
const pools: UpstreamSessionPool[] = [];
const pool = (options?: ConstructorParameters<typeof UpstreamSessionPool>[0]) => {
  const p = new UpstreamSessionPool(options);
  pools.push(p);
  return p;
};

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startTestMcpServer({
    stateful: true,
    tools: [
      { name: 'echo' },
      {
        name: 'slow',
        handler: async (_args, { signal }) => {
          await new Promise((resolve) => {
            const t = setTimeout(resolve, 5_000);
            signal.addEventListener('abort', () => (clearTimeout(t), resolve(null)), { once: true });
          });
          return { content: [{ type: 'text', text: 'late' }] };
        },
      },
      {
        name: 'chatty',
        handler: async (_args, { sendNotification }) => {
          await sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'working' } });
          return { content: [{ type: 'text', text: 'done' }] };
        },
      },
      {
        // Logs "<text> 1", waits, logs "<text> 2": two of these overlap on one session.
        name: 'tell',
        handler: async (args, { sendNotification }) => {
          await sendNotification({ method: 'notifications/message', params: { level: 'info', data: `${String(args.text)} 1` } });
          await new Promise((resolve) => setTimeout(resolve, 150));
          await sendNotification({ method: 'notifications/message', params: { level: 'info', data: `${String(args.text)} 2` } });
          return { content: [{ type: 'text', text: 'told' }] };
        },
      },
      {
        // Waits a moment, then asks the client: two of these overlap on one session.
        name: 'ask-later',
        handler: async (_args, { sendRequest }) => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          const answer = (await sendRequest(
            { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'who?' } }], maxTokens: 5 } },
            CreateMessageResultSchema as never,
          )) as { content: { text: string } };
          return { content: [{ type: 'text', text: `sampled: ${answer.content.text}` }] };
        },
      },
      {
        name: 'ask',
        handler: async (_args, { sendRequest }) => {
          const answer = (await sendRequest(
            { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi?' } }], maxTokens: 5 } },
            CreateMessageResultSchema as never,
          )) as { content: { text: string } };
          return { content: [{ type: 'text', text: `sampled: ${answer.content.text}` }] };
        },
      },
    ],
  });
  spec = { transport: 'streamable_http', url: upstream.url };
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await upstream.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

const echo = (p: UpstreamSessionPool, text: string, options?: Parameters<UpstreamSessionPool['use']>[2]) =>
  p.use(spec, ({ client }) => client.callTool({ name: 'echo', arguments: { text } }), options);

describe('UpstreamSessionPool', () => {
  it('answers 20 concurrent calls over one initialized session', async () => {
    const before = upstream.sessionsOpened();
    const p = pool();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => echo(p, `n${i}`)));
    expect(answers.map((a) => (a.content as { text: string }[])[0]!.text)).toEqual(Array.from({ length: 20 }, (_, i) => `echo: n${i}`));
    expect(upstream.sessionsOpened() - before).toBe(1);
    expect(p.size).toBe(1);
  });

  it('never shares a session across partitions (agents) or credentials', async () => {
    const before = upstream.sessionsOpened();
    const p = pool();
    await echo(p, 'a', { partition: 'agent-a' });
    await echo(p, 'b', { partition: 'agent-b' });
    await echo(p, 'a again', { partition: 'agent-a' });
    await p.use({ ...spec, headers: { authorization: 'Bearer other' } } as UpstreamSpec, ({ client }) => client.listTools());
    expect(upstream.sessionsOpened() - before).toBe(3);
  });

  it('reopens a session the upstream forgot (404) and retries the call once', async () => {
    const p = pool();
    await echo(p, 'first');
    const before = upstream.sessionsOpened();
    upstream.forgetSessions();
    const answer = await echo(p, 'after restart');
    expect((answer.content as { text: string }[])[0]!.text).toBe('echo: after restart');
    expect(upstream.sessionsOpened() - before).toBe(1);
  });

  it('a call whose caller gives up is cancelled upstream; the session serves the others on', async () => {
    const p = pool();
    await echo(p, 'warm');
    const before = upstream.sessionsOpened();
    const controller = new AbortController();
    const slow = p.use(spec, ({ client }) => client.callTool({ name: 'slow', arguments: {} }, undefined, { signal: controller.signal }), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort(new Error('caller left'));
    await expect(slow).rejects.toThrow();
    await echo(p, 'still here');
    expect(upstream.sessionsOpened() - before).toBe(0);
    await expect.poll(() => upstream.cancellations.some((c) => c.name === 'slow')).toBe(true);
  });

  it("routes the upstream's server requests to the call in flight, and refuses them with none", async () => {
    const p = pool({ capabilities: { sampling: {} } });
    const asked: unknown[] = [];
    const answer = await p.use(spec, ({ client }) => client.callTool({ name: 'ask', arguments: {} }), {
      hooks: {
        onServerRequest: async (method, params) => {
          asked.push({ method, params });
          return { role: 'assistant', content: { type: 'text', text: 'yes' }, model: 'stand-in' };
        },
      },
    });
    expect((answer.content as { text: string }[])[0]!.text).toBe('sampled: yes');
    expect(asked).toHaveLength(1);
    // No hook: the request is refused (an error result upstream), never answered by someone else.
    const refused = await p.use(spec, ({ client }) => client.callTool({ name: 'ask', arguments: {} }));
    expect(refused.isError).toBe(true);
  });

  it('delivers log messages to the call in flight and notifications to holders', async () => {
    const p = pool();
    const seen: unknown[] = [];
    const held: string[] = [];
    const { release } = await p.hold(spec, (n) => held.push(n.method));
    await p.use(spec, ({ client }) => client.callTool({ name: 'chatty', arguments: {} }), { hooks: { onLog: (params) => seen.push(params) } });
    release();
    expect(seen).toEqual([{ level: 'info', data: 'working' }]);
    expect(held).toEqual(['notifications/message']);
    // Released: later notifications no longer reach the holder.
    await p.use(spec, ({ client }) => client.callTool({ name: 'chatty', arguments: {} }));
    expect(held).toHaveLength(1);
  });

  it('gives each of two overlapping calls on one session its own log messages and server requests', async () => {
    const p = pool({ capabilities: { sampling: {} } });
    const logs: Record<string, unknown[]> = { A: [], B: [] };
    const hooksOf = (name: string) => ({
      onLog: (params: { data?: unknown }) => logs[name]!.push(params.data),
      onServerRequest: async () => ({ role: 'assistant', content: { type: 'text', text: `from ${name}` }, model: 'stand-in' }),
    });
    const call = (name: string, tool: string) => p.use(spec, ({ client }) => client.callTool({ name: tool, arguments: { text: name } }), { hooks: hooksOf(name) });
    const before = upstream.sessionsOpened();
    const first = call('A', 'tell');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([first, call('B', 'tell')]);
    // B started while A was in flight: A's second message still belongs to A, not to the latest call.
    expect(logs).toEqual({ A: ['A 1', 'A 2'], B: ['B 1', 'B 2'] });

    const asking = call('A', 'ask-later');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [a, b] = (await Promise.all([asking, call('B', 'ask-later')])) as { content: { text: string }[] }[];
    expect([a!.content[0]!.text, b!.content[0]!.text]).toEqual(['sampled: from A', 'sampled: from B']);
    expect(upstream.sessionsOpened() - before).toBe(1);
  });

  it('tells holders when their session ends under them, and a hold after that gets a new session', async () => {
    const p = pool();
    let ended = 0;
    await p.hold(spec, () => {}, { onEnded: () => ended++ });
    upstream.forgetSessions();
    // The next call meets the 404, retires the session (its holder is told) and retries on a new one.
    expect((await echo(p, 'again')).content).toEqual([{ type: 'text', text: 'echo: again' }]);
    await expect.poll(() => ended).toBe(1);
    const before = upstream.sessionsOpened();
    const { session } = await p.hold(spec, () => {});
    expect(await session.client.ping()).toEqual({});
    expect(upstream.sessionsOpened() - before).toBe(0);
  });

  it('closes sessions that stay idle, keeps held ones', async () => {
    const p = pool({ idleMs: 1_000 });
    await echo(p, 'x');
    const { release } = await p.hold({ ...spec, headers: { 'x-held': '1' } } as UpstreamSpec, () => {});
    expect(p.size).toBe(2);
    await expect.poll(() => p.size, { timeout: 5_000, interval: 200 }).toBe(1);
    release();
    await expect.poll(() => p.size, { timeout: 5_000, interval: 200 }).toBe(0);
  });

  it('close() ends every session and refuses further use', async () => {
    const p = pool();
    await echo(p, 'x');
    const openBefore = upstream.openSessions();
    await p.close();
    await expect.poll(() => upstream.openSessions()).toBeLessThan(openBefore);
    await expect(echo(p, 'y')).rejects.toThrow(/closed/);
  });
});
