// Resources, templates, prompts and completion through the gateway, proxied live from the agent's
// connections: the SDK client talks to the route handlers in-process; the upstreams are real MCP
// servers (the conformance fixture, a paged server, a dead port, a request counter).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as route from '@/app/mcp/route';
import { getDb } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection, updateConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { addRuleSchema, createPolicySchema } from '@/lib/policy/schemas';
import { addRule, createPolicy, deletePolicy } from '@/lib/policy/service';
import { createEnvironment } from '@/lib/tenancy/environments';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, makeSecretRef, type TestOrg } from '@/test/helpers/fixtures';
import { startConformanceUpstream, WATCHED_URI, type ConformanceUpstream } from '@/test/fixtures/conformance-upstream';
import { RESOURCE_NOT_FOUND } from './catalog';

setupTestDb();

const BASE = 'http://localhost:3000';
let confA: ConformanceUpstream;
let confB: ConformanceUpstream;
let paged: { url: string; close: () => Promise<void> };
let counter: { url: string; requests: () => number; close: () => Promise<void> };
let org: TestOrg;
let agentId: string;
let token: string;
let secretRef: string;

/** fetch that answers from the route handler, as Next would route it (POST, GET and DELETE). */
async function inProcessFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return route.POST(new Request(input, init));
}

async function connect(setup?: (client: Client) => void): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'catalog-test', version: '1.0.0' });
  setup?.(client);
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', BASE), { fetch: inProcessFetch, requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return { client, transport };
}

async function direct(url: string): Promise<Client> {
  const client = new Client({ name: 'direct', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function rpcError(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

async function until(check: () => Promise<boolean> | boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function policy(name: string, rules: { action: string; target: string; effect: 'allow' | 'deny'; conditions?: Record<string, unknown> }[]): Promise<string> {
  const created = await createPolicy(org.ownerCtx, createPolicySchema.parse({ name }));
  for (const rule of rules) await addRule(org.ownerCtx, created.id, addRuleSchema.parse(rule));
  return created.id;
}

async function deniedEvents(eventType: string, target: string) {
  const db = await getDb();
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.organizationId, org.id), eq(auditEvents.eventType, eventType), eq(auditEvents.target, target)));
}

/** A stateless upstream whose resources/list comes in pages of two, with a template and a resource whose read fails at the HTTP level. */
async function startPagedUpstream() {
  const resources = ['1', '2', '3', '4', 'broken'].map((id) => ({ uri: `paged://page/${id}`, name: `page-${id}`, extra: 'kept verbatim' }));
  const makeServer = (authorization?: string) => {
    const server = new Server({ name: 'paged', version: '1.0.0' }, { capabilities: { resources: {} } });
    server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
      const at = Number(request.params?.cursor ?? 0);
      return { resources: resources.slice(at, at + 2), ...(at + 2 < resources.length ? { nextCursor: String(at + 2) } : {}) };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: [{ uriTemplate: 'paged://item/{id}', name: 'item' }] }));
    server.setRequestHandler(ReadResourceRequestSchema, async (request) => ({
      // With a credential, the server echoes it (as a careless upstream might).
      contents: [
        {
          uri: request.params.uri,
          mimeType: 'text/plain',
          text: `paged ${request.params.uri}${authorization ? ` (you sent ${authorization})` : ''}`,
          _meta: { 'test/meta': 1 },
          extra: 'kept verbatim',
        },
      ],
    }));
    return server;
  };
  const httpServer = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      if (body?.method === 'resources/read' && body.params?.uri === 'paged://page/broken') {
        res.writeHead(500).end('boom');
        return;
      }
      const server = makeServer(req.headers.authorization);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => void server.close());
      void server.connect(transport).then(() => transport.handleRequest(req, res, body));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

/** Counts every request it gets (and answers none usefully): a connection that must never be asked. */
async function startCounter() {
  let n = 0;
  const httpServer = http.createServer((_req, res) => {
    n++;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => n,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

let confId: string;

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  [confA, confB, paged, counter] = await Promise.all([startConformanceUpstream(), startConformanceUpstream(), startPagedUpstream(), startCounter()]);
  org = await makeOrg(undefined, 'catalog');
  const conn = (name: string, endpoint: string, environmentId = org.envId, o = org) =>
    createConnection(o.ownerCtx, createConnectionSchema.parse({ environment_id: environmentId, name, endpoint }));
  confId = (await conn('conf', confA.url)).id;
  await conn('conf2', confB.url);
  await conn('dead', 'http://127.0.0.1:9/mcp');
  await conn('paged', paged.url);
  // The same server again, with a bearer credential: the URIs collide with paged's, and it comes first by name.
  secretRef = await makeSecretRef(org, 'echoed');
  await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'echoing', endpoint: paged.url, auth_method: 'bearer', secret_ref: secretRef }));
  // Never to be consulted: a disabled connection, another environment's, another organization's.
  await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'off', endpoint: counter.url, enabled: false }));
  const staging = await createEnvironment(org.ownerCtx, { name: 'staging', type: 'staging' });
  await conn('conf', counter.url, staging.id);
  const other = await makeOrg(undefined, 'other');
  await conn('conf', counter.url, other.envId, other);
  await createPolicy(other.ownerCtx, createPolicySchema.parse({ name: 'all' }));
  agentId = (await makeAgent(org)).id;
  ({ token } = await makeAgentToken(org, agentId));
});

afterAll(async () => {
  await Promise.all([confA?.close(), confB?.close(), paged?.close(), counter?.close()]);
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

describe('gateway resources, prompts and completion', () => {
  it('advertises the capabilities and, by default, shows nothing: a hidden URI answers like an unknown one', async () => {
    const { client } = await connect();
    expect(client.getServerCapabilities()).toMatchObject({
      tools: {},
      resources: { subscribe: true, listChanged: false },
      prompts: { listChanged: false },
      logging: {},
      completions: {},
    });
    expect((await client.listResources()).resources).toEqual([]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
    expect((await client.listPrompts()).prompts).toEqual([]);

    const hidden = await rpcError(client.readResource({ uri: 'test://static-text' }));
    const unknown = await rpcError(client.readResource({ uri: 'test://no-such-thing' }));
    expect(hidden.code).toBe(RESOURCE_NOT_FOUND);
    expect(unknown.code).toBe(RESOURCE_NOT_FOUND);
    expect(hidden.message.replace('test://static-text', 'URI')).toBe(unknown.message.replace('test://no-such-thing', 'URI'));
    expect(hidden.message).toContain('Resource not found');

    const hiddenPrompt = await rpcError(client.getPrompt({ name: 'test_simple_prompt' }));
    const unknownPrompt = await rpcError(client.getPrompt({ name: 'no_such_prompt' }));
    expect(hiddenPrompt.code).toBe(ErrorCode.InvalidParams);
    expect(hiddenPrompt.message.replace('test_simple_prompt', 'X')).toBe(unknownPrompt.message.replace('no_such_prompt', 'X'));
    const hiddenComplete = await rpcError(client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'pa' } }));
    expect(hiddenComplete.code).toBe(ErrorCode.InvalidParams);
    await expect(client.subscribeResource({ uri: WATCHED_URI })).rejects.toMatchObject({ code: RESOURCE_NOT_FOUND });

    // The refusal of what exists is audited (the agent is not told); nothing is for what does not.
    const [event] = await deniedEvents('resource_read_denied', 'resource:conf/test://static-text');
    expect(event).toMatchObject({ action: 'resource.read', decision: 'deny', subject: `agent:${agentId}` });
    expect(event!.eventData).toMatchObject({ agent_id: agentId, uri: 'test://static-text', via: 'mcp', reason: expect.stringContaining('No policy explicitly allows') });
    expect(await deniedEvents('prompt_get_denied', 'prompt:conf/test_simple_prompt')).toHaveLength(1);
    expect(await deniedEvents('resource_read_denied', 'resource:conf/test://no-such-thing')).toHaveLength(0);
    await client.close();
  });

  it('proxies lists, reads, templates, prompts and completion exactly as the upstream answers', async () => {
    await policy('catalog', [
      { action: 'resource.read', target: 'resource:conf/*', effect: 'allow' },
      { action: 'prompt.get', target: 'prompt:conf/*', effect: 'allow' },
      { action: 'prompt.get', target: 'prompt:conf2/test_simple_prompt', effect: 'allow' },
      { action: 'resource.read', target: 'resource:paged/paged://page/*', effect: 'allow' },
      { action: 'resource.read', target: 'resource:paged/paged://item/7', effect: 'allow' },
    ]);
    const { client } = await connect();
    const up = await direct(confA.url);

    const fromConf = (uri: string) => uri.startsWith('test://');
    expect((await client.listResources()).resources.filter((r) => fromConf(r.uri))).toEqual((await up.listResources()).resources);
    // Only the conformance template: paged's template text is not allowed (only one concrete item is).
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual((await up.listResourceTemplates()).resourceTemplates);
    for (const uri of ['test://static-text', 'test://static-binary', 'test://template/123/data', WATCHED_URI]) {
      expect(await client.readResource({ uri })).toEqual(await up.readResource({ uri }));
    }

    const upstreamPrompts = (await up.listPrompts()).prompts;
    const prompts = (await client.listPrompts()).prompts;
    // test_simple_prompt is in the view twice (conf and conf2): both qualified; the rest keep their names.
    expect(prompts.map((p) => p.name).sort()).toEqual(
      ['conf__test_simple_prompt', 'conf2__test_simple_prompt', 'test_prompt_with_arguments', 'test_prompt_with_embedded_resource', 'test_prompt_with_image'].sort(),
    );
    for (const p of upstreamPrompts) {
      const mine = prompts.find((q) => q.name === p.name || q.name === `conf__${p.name}`)!;
      expect({ ...mine, name: p.name }).toEqual(p);
    }
    const gets: [string, string, Record<string, string> | undefined][] = [
      ['conf__test_simple_prompt', 'test_simple_prompt', undefined],
      ['test_prompt_with_arguments', 'test_prompt_with_arguments', { arg1: 'a', arg2: 'b' }],
      ['test_prompt_with_embedded_resource', 'test_prompt_with_embedded_resource', { resourceUri: 'test://example-resource' }],
      ['test_prompt_with_image', 'test_prompt_with_image', undefined],
    ];
    for (const [name, upstreamName, args] of gets) {
      expect(await client.getPrompt({ name, arguments: args })).toEqual(await up.getPrompt({ name: upstreamName, arguments: args }));
    }
    const conf2 = await direct(confB.url);
    expect(await client.getPrompt({ name: 'conf2__test_simple_prompt' })).toEqual(await conf2.getPrompt({ name: 'test_simple_prompt' }));
    await expect(client.getPrompt({ name: 'test_simple_prompt' })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    // The upstream's own refusal (a required argument missing) is passed on.
    await expect(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a' } })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });

    const promptRef = { ref: { type: 'ref/prompt' as const, name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'pa' } };
    const completed = await client.complete(promptRef);
    expect(completed).toEqual(await up.complete(promptRef));
    expect(completed.completion.values).toEqual(['paris', 'park', 'party']);
    const templateRef = { ref: { type: 'ref/resource' as const, uri: 'test://template/{id}/data' }, argument: { name: 'id', value: '4' } };
    expect(await client.complete(templateRef)).toEqual(await up.complete(templateRef));
    await expect(client.complete({ ref: { type: 'ref/resource', uri: 'paged://item/{id}' }, argument: { name: 'id', value: '' } })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
    });
    await Promise.all([client.close(), up.close(), conf2.close()]);
  });

  it('merges paged upstream lists into one page, passes contents verbatim, and routes template URIs decided on the concrete URI', async () => {
    const { client } = await connect();
    const listed = await client.listResources();
    expect(listed.nextCursor).toBeUndefined();
    expect(listed.resources.filter((r) => r.uri.startsWith('paged://')).map((r) => r.uri)).toEqual(['1', '2', '3', '4', 'broken'].map((id) => `paged://page/${id}`));
    await expect(client.listResources({ cursor: 'x' })).rejects.toMatchObject({ code: ErrorCode.InvalidParams });

    // Raw (the SDK client's own schema would drop fields it does not know): exactly what the upstream wrote.
    const loose = z.looseObject({ resources: z.array(z.looseObject({})) });
    const rawList = await client.request({ method: 'resources/list', params: {} }, loose);
    expect(rawList.resources.find((r) => r.uri === 'paged://page/1')).toEqual({ uri: 'paged://page/1', name: 'page-1', extra: 'kept verbatim' });
    const raw = await client.request({ method: 'resources/read', params: { uri: 'paged://page/2' } }, z.looseObject({ contents: z.array(z.looseObject({})) }));
    expect(raw.contents).toEqual([{ uri: 'paged://page/2', mimeType: 'text/plain', text: 'paged paged://page/2', _meta: { 'test/meta': 1 }, extra: 'kept verbatim' }]);

    // paged://item/7 is in no list: its template matches, and the concrete URI is allowed.
    expect((await client.readResource({ uri: 'paged://item/7' })).contents[0]).toMatchObject({ text: 'paged paged://item/7' });
    // paged://item/8 matches the same template but is not allowed: as unknown as a made-up URI.
    await expect(client.readResource({ uri: 'paged://item/8' })).rejects.toMatchObject({ code: RESOURCE_NOT_FOUND });
    // Audited on the first connection (by name) whose template matches: echoing, then paged.
    expect(await deniedEvents('resource_read_denied', 'resource:echoing/paged://item/8')).toHaveLength(1);

    // A connection that fails a read: a clear error, not a hang or a leak.
    const broken = await rpcError(client.readResource({ uri: 'paged://page/broken' }));
    expect(broken.code).toBe(ErrorCode.InternalError);
    expect(broken.message).toContain('The upstream server of this resource failed');
    await client.close();
  });

  it('a deny rule beats an allow; a listed prompt refused by its arguments says why', async () => {
    const deny = await policy('deny', [
      { action: 'resource.read', target: 'resource:conf/test://static-binary', effect: 'deny' },
      { action: 'prompt.get', target: 'prompt:conf/test_prompt_with_arguments', effect: 'deny', conditions: { input: { arg1: 'forbidden' } } },
    ]);
    const { client } = await connect();
    const uris = (await client.listResources()).resources.map((r) => r.uri);
    expect(uris).toContain('test://static-text');
    expect(uris).not.toContain('test://static-binary');
    await expect(client.readResource({ uri: 'test://static-binary' })).rejects.toMatchObject({ code: RESOURCE_NOT_FOUND });
    const [event] = await deniedEvents('resource_read_denied', 'resource:conf/test://static-binary');
    expect(event?.eventData).toMatchObject({ reason: 'Denied by policy "deny"' });

    // A conditional deny does not hide the prompt; the call it matches is refused with the reason.
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('test_prompt_with_arguments');
    const refused = await rpcError(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'forbidden', arg2: 'x' } }));
    expect(refused.code).toBe(ErrorCode.InvalidParams);
    expect(refused.message).toContain('Denied by policy "deny"');
    expect(await deniedEvents('prompt_get_denied', 'prompt:conf/test_prompt_with_arguments')).toHaveLength(1);
    expect((await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'fine', arg2: 'x' } })).messages).toHaveLength(1);

    await deletePolicy(org.ownerCtx, deny);
    expect((await client.listResources()).resources.map((r) => r.uri)).toContain('test://static-binary');
    await client.close();
  });

  it('a URI offered by two connections is listed once and read from the first by name', async () => {
    const both = await policy('conf2 resources', [{ action: 'resource.read', target: 'resource:conf2/*', effect: 'allow' }]);
    // Make the two upstreams' watched resource differ.
    await confB.updateWatchedResource();
    await confB.updateWatchedResource();
    const { client } = await connect();
    const uris = (await client.listResources()).resources.map((r) => r.uri);
    expect(uris.filter((u) => u === WATCHED_URI)).toHaveLength(1);
    const [a, b] = await Promise.all([direct(confA.url), direct(confB.url)]);
    const read = await client.readResource({ uri: WATCHED_URI });
    expect(read).toEqual(await a.readResource({ uri: WATCHED_URI }));
    expect(read).not.toEqual(await b.readResource({ uri: WATCHED_URI }));
    await deletePolicy(org.ownerCtx, both);
    await Promise.all([client.close(), a.close(), b.close()]);
  });

  it('subscriptions: an upstream update is forwarded until unsubscribe; closing the session releases the upstream', async () => {
    const updates: unknown[] = [];
    const sessionsBefore = confA.sessionCount();
    const { client, transport } = await connect((c) => c.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params)));
    await client.subscribeResource({ uri: WATCHED_URI });
    // The upstream session is subscribed at once; its update reaches the client once the streams are up.
    await until(async () => {
      expect(await confA.updateWatchedResource()).toBe(1);
      return updates.length > 0;
    });
    expect(updates[0]).toEqual({ uri: WATCHED_URI });

    // A connection disabled since the subscription forwards nothing more; enabled again, it does.
    await updateConnection(org.ownerCtx, confId, { enabled: false });
    await new Promise((r) => setTimeout(r, 300)); // updates already on their way arrive first
    const before = updates.length;
    expect(await confA.updateWatchedResource()).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(updates.length).toBe(before);
    await updateConnection(org.ownerCtx, confId, { enabled: true });
    await until(async () => {
      await confA.updateWatchedResource();
      return updates.length > before;
    });

    await client.unsubscribeResource({ uri: WATCHED_URI });
    // Updates already on their way (the loops above sent several) may still arrive: let them.
    await new Promise((r) => setTimeout(r, 300));
    const seen = updates.length;
    expect(await confA.updateWatchedResource()).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(updates.length).toBe(seen);

    await client.subscribeResource({ uri: WATCHED_URI });
    expect(await confA.updateWatchedResource()).toBe(1);
    await transport.terminateSession();
    await client.close();
    await until(async () => (await confA.updateWatchedResource()) === 0);
    await until(() => confA.sessionCount() === sessionsBefore);
  });

  it('redacts the credential it sent upstream from what the upstream answers', async () => {
    const allow = await policy('echoing', [{ action: 'resource.read', target: 'resource:echoing/paged://page/1', effect: 'allow' }]);
    const { client } = await connect();
    const [content] = (await client.readResource({ uri: 'paged://page/1' })).contents as { text: string }[];
    // Served by echoing (first by name among the connections that show the URI), its secret scrubbed.
    expect(content!.text).toBe('paged paged://page/1 (you sent [REDACTED])');
    await deletePolicy(org.ownerCtx, allow);
    await client.close();
  });

  it('never consults a disabled connection or one of another environment or organization', async () => {
    const all = await policy('everything', [
      { action: 'resource.read', target: '*', effect: 'allow' },
      { action: 'prompt.get', target: '*', effect: 'allow' },
    ]);
    const { client } = await connect();
    // "dead" (nothing listens) is skipped: the others still answer.
    expect((await client.listResources()).resources.length).toBeGreaterThan(0);
    expect((await client.listResourceTemplates()).resourceTemplates.length).toBeGreaterThan(0);
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
    await expect(client.readResource({ uri: 'test://nowhere' })).rejects.toMatchObject({ code: RESOURCE_NOT_FOUND });
    expect(counter.requests()).toBe(0);
    await deletePolicy(org.ownerCtx, all);
    await client.close();
  });
});

describe('escapesItsPath', () => {
  it('refuses URIs that could move up a path, and nothing else', async () => {
    const { escapesItsPath } = await import('./catalog');
    for (const uri of ['file:///public/../secret', 'file:///public/..%2Fsecret', 'file:///public/%2e%2e/x', 'file:///public/./x', 'test://a/..', 'file:///a\\..\\b', 'x://h/%5C'])
      expect(escapesItsPath(uri), uri).toBe(true);
    for (const uri of ['test://static-text', 'test://template/123/data', 'file:///public/a..b', 'https://h/a/b?x=../y', 'file:///x/.hidden', 'test://watched-resource'])
      expect(escapesItsPath(uri), uri).toBe(false);
  });
});
