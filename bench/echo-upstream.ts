// A lean MCP upstream for bench/gateway.ts: one `echo` tool (same shape as server-everything's),
// nothing else, so the figures measure the path to it rather than the upstream's own work.
//
//   npx tsx bench/echo-upstream.ts http <port>    Streamable HTTP at /mcp (sessions, JSON answers)
//   npx tsx bench/echo-upstream.ts stdio          stdio (for mcp-proxy)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

function makeServer(): Server {
  const server = new Server({ name: 'echo-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: 'echo',
        description: 'Echoes back the input',
        inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: 'text', text: `Echo: ${String((request.params.arguments ?? {}).message)}` }],
  }));
  return server;
}

const [mode, portArg] = process.argv.slice(2);
if (mode === 'stdio') {
  await makeServer().connect(new StdioServerTransport());
} else if (mode === 'http') {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const httpServer = http.createServer(async (req, res) => {
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known) return known.handleRequest(req, res);
    if (typeof id === 'string') return void res.writeHead(404).end();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
      onsessionclosed: (sid) => void sessions.delete(sid),
    });
    await makeServer().connect(transport);
    await transport.handleRequest(req, res);
  });
  httpServer.keepAliveTimeout = 60_000;
  httpServer.listen(Number(portArg), '127.0.0.1', () => console.error(`echo-upstream listening on port ${portArg}`));
} else {
  console.error('usage: echo-upstream.ts http <port> | stdio');
  process.exit(2);
}
