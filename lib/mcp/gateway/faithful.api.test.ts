// The gateway as a faithful proxy: what the conformance upstream answers reaches the agent's MCP
// client through the Streamable HTTP endpoint unchanged (resource_link items, structuredContent),
// and what the upstream asks of the client (elicitation/create) is relayed only when the policy
// allows elicitation.create on the connection. The SDK client talks to the route handler in-process.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as route from '@/app/mcp/route';
import { getDb } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { createConnectionSchema } from '@/lib/connections/schemas';
import { createConnection } from '@/lib/connections/service';
import { resetEnvCache } from '@/lib/env';
import { addRuleSchema, createPolicySchema } from '@/lib/policy/schemas';
import { addRule, createPolicy } from '@/lib/policy/service';
import { syncConnection } from '@/lib/tools/sync';
import { setupTestDb } from '@/test/helpers/db';
import { makeAgent, makeAgentToken, makeOrg, type TestOrg } from '@/test/helpers/fixtures';
import { startConformanceUpstream, type ConformanceUpstream } from '@/test/fixtures/conformance-upstream';
import { DEFAULT_OUTBOUND_LIMITS, OutboundLedger, OutboundOverflowError, setOutboundLedgerForTests } from './outbound';

setupTestDb();

const BASE = 'http://localhost:3000';
let upstream: ConformanceUpstream;
let org: TestOrg;
let agentId: string;
let token: string;

/** fetch that answers from the route handler, as Next would route it (POST, GET and DELETE). */
const inProcessFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => route.POST(new Request(input, init));

async function connect(setup?: (client: Client) => void, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client({ name: 'faithful-test', version: '1.0.0' }, { capabilities });
  setup?.(client);
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', BASE), { fetch: inProcessFetch, requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

type ToolResult = { content: Record<string, unknown>[]; structuredContent?: unknown; isError?: boolean; _meta?: Record<string, unknown> };

beforeAll(async () => {
  process.env.UPSTREAM_ALLOW_PRIVATE = 'true';
  resetEnvCache();
  upstream = await startConformanceUpstream();
  org = await makeOrg(undefined, 'faithful');
  const c = await createConnection(org.ownerCtx, createConnectionSchema.parse({ environment_id: org.envId, name: 'conf', endpoint: upstream.url }));
  await syncConnection(org.ownerCtx, c.id);
  agentId = (await makeAgent(org)).id;
  ({ token } = await makeAgentToken(org, agentId));
  await createPolicy(
    org.ownerCtx,
    createPolicySchema.parse({ name: 'faithful', rules_json: { allow: ['conf/test_resource_link', 'conf/test_structured_content', 'conf/test_elicitation', 'conf/test_tool_with_logging', 'conf/test_long_running'] } }),
  );
});

afterAll(async () => {
  await upstream?.close();
  delete process.env.UPSTREAM_ALLOW_PRIVATE;
  resetEnvCache();
});

describe('faithful proxy of tool results', () => {
  it('relays resource_link content items exactly as the upstream returned them', async () => {
    const client = await connect();
    const result = (await client.callTool({ name: 'test_resource_link', arguments: {} })) as ToolResult;
    // Every field of every item, in order: no item dropped, rewritten or turned into text.
    expect(result.content).toEqual([
      { type: 'text', text: 'Two linked resources:' },
      { type: 'resource_link', uri: 'test://static-text', name: 'static-text', mimeType: 'text/plain', description: 'A static text resource' },
      { type: 'resource_link', uri: 'test://static-binary', name: 'static-binary', mimeType: 'image/png' },
    ]);
    expect(result.isError).toBeUndefined();
    expect(result._meta?.['agentxsuite/run_id']).toEqual(expect.any(String));
    await client.close();
  });

  it('relays structuredContent and its text twin unchanged, and lists the outputSchema it matches', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    // The client validates structuredContent against the listed outputSchema: it must be the upstream's.
    expect(tools.find((t) => t.name === 'test_structured_content')?.outputSchema).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' }, temperature: { type: 'number' }, conditions: { type: 'string' } },
      required: ['city', 'temperature', 'conditions'],
    });
    const result = (await client.callTool({ name: 'test_structured_content', arguments: { city: 'Lisbon' } })) as ToolResult;
    const expected = { city: 'Lisbon', temperature: 21.5, conditions: 'sunny' };
    expect(result.structuredContent).toEqual(expected);
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(expected) }]);
    expect(result.isError).toBeUndefined();
    await client.close();
  });
});

describe('elicitation relayed by policy', () => {
  it('refuses the upstream’s elicitation/create without an elicitation.create allow, and relays it once allowed', async () => {
    const asked: { message: string; requestedSchema: unknown }[] = [];
    const client = await connect(
      (c) =>
        c.setRequestHandler(ElicitRequestSchema, async (request) => {
          asked.push(request.params as { message: string; requestedSchema: unknown });
          return { action: 'accept', content: { username: 'ada', email: 'ada@example.com' } };
        }),
      { elicitation: {} },
    );

    // Only tool.invoke is allowed: the request the tool makes of the client never reaches it.
    const refused = (await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })) as ToolResult;
    expect(refused.isError).toBe(true);
    expect(String(refused.content[0]?.text)).toContain('No policy explicitly allows elicitation.create on elicitation:conf');
    expect(asked).toHaveLength(0);
    const db = await getDb();
    const denied = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, org.id), eq(auditEvents.eventType, 'run_denied_server_request'), eq(auditEvents.target, 'elicitation:conf')));
    expect(denied).toHaveLength(1);
    expect(denied[0]!.eventData).toMatchObject({ agent_id: agentId, relay_action: 'elicitation.create' });

    const p = await createPolicy(org.ownerCtx, createPolicySchema.parse({ name: 'elicit' }));
    await addRule(org.ownerCtx, p.id, addRuleSchema.parse({ action: 'elicitation.create', target: 'elicitation:conf', effect: 'allow' }));
    const relayed = (await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } })) as ToolResult;
    expect(relayed.isError).toBeUndefined();
    expect(relayed.content).toEqual([{ type: 'text', text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}' }]);
    // The client saw the upstream's request as the upstream sent it.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      message: 'Who are you?',
      requestedSchema: {
        type: 'object',
        properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
        required: ['username', 'email'],
      },
    });
    await client.close();
  });
});

describe('a client that does not read its stream', () => {
  it('has the stream closed at the cap on waiting messages, while the call itself completes and is recorded', async () => {
    const ledger = new OutboundLedger({ ...DEFAULT_OUTBOUND_LIMITS, perStreamBytes: 200 });
    setOutboundLedgerForTests(ledger);
    try {
      const client = await connect();
      const transport = (client as unknown as { transport: StreamableHTTPClientTransport }).transport;
      const call = await route.POST(
        new Request(new URL('/mcp', BASE), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': transport.sessionId!,
            'mcp-protocol-version': '2025-06-18',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_tool_with_logging', arguments: {} } }),
        }),
      );
      // Three log notifications then the answer, while nobody reads: together they pass the 200-byte cap.
      expect(call.headers.get('content-type')).toContain('text/event-stream');
      await new Promise((resolve) => setTimeout(resolve, 400));
      await expect(call.body!.getReader().read()).rejects.toBeInstanceOf(OutboundOverflowError);
      expect(ledger.held()).toBe(0);
      // The call went on without its reader: it finished and was recorded like any other.
      const db = await getDb();
      const events = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.organizationId, org.id), eq(auditEvents.eventType, 'run_succeeded'), eq(auditEvents.target, 'tool:conf/test_tool_with_logging')));
      expect(events).toHaveLength(1);
      // The session goes on for a client that reads.
      expect(((await client.callTool({ name: 'test_tool_with_logging', arguments: {} })) as ToolResult).content).toEqual([
        { type: 'text', text: 'Tool with logging executed successfully' },
      ]);
      await client.close();
    } finally {
      setOutboundLedgerForTests(undefined);
    }
  });
});

describe('requests in flight per agent', () => {
  it('answers a request past MCP_MAX_REQUESTS_IN_FLIGHT_PER_AGENT with -32000, over all the agent’s sessions, and takes them again once some finish', async () => {
    process.env.MCP_MAX_REQUESTS_IN_FLIGHT_PER_AGENT = '2';
    resetEnvCache();
    try {
      const [one, two] = [await connect(), await connect()];
      const slow = [one, two].map((c) => c.callTool({ name: 'test_long_running', arguments: { durationMs: 1_000 } }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(one.listTools()).rejects.toMatchObject({ code: -32000, message: expect.stringContaining('Too many requests in flight for this agent (at most 2)') });
      const done = (await Promise.all(slow)) as ToolResult[];
      expect(done.map((r) => r.content[0]?.text)).toEqual(['Completed after 1000 ms', 'Completed after 1000 ms']);
      expect((await two.listTools()).tools.length).toBeGreaterThan(0);
      await Promise.all([one.close(), two.close()]);
    } finally {
      delete process.env.MCP_MAX_REQUESTS_IN_FLIGHT_PER_AGENT;
      resetEnvCache();
    }
  });
});
