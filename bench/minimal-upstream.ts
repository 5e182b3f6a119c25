// The smallest MCP upstream bench/gateway.ts can call: one `echo` tool, answered by a few lines of
// JSON-RPC over node:http (Streamable HTTP, sessions, JSON answers) or over stdio, with no SDK.
// The gateway, the bare proxy and the direct run all call this same server; keeping it cheap
// keeps the machine's CPU for the paths being compared (the SDK-built bench/echo-upstream.ts
// spends about 0.4 ms per call on its own protocol layers).
//
//   npx tsx bench/minimal-upstream.ts http <port>    Streamable HTTP at /mcp
//   npx tsx bench/minimal-upstream.ts stdio          newline-delimited JSON-RPC (for mcp-proxy)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import readline from 'node:readline';

const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const TOOLS = [
  {
    name: 'echo',
    description: 'Echoes back the input',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  },
];

interface Message {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: { protocolVersion?: string; name?: string; arguments?: { message?: unknown } };
}

const PARSE_ERROR = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: one JSON-RPC message (an object) expected' } };

/** One JSON-RPC message, or null for anything else (not JSON, an array, a scalar). */
function parse(text: string): Message | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Message) : null;
  } catch {
    return null;
  }
}

/** The answer to one message, or null for a notification (or an answer the client sent). */
function answer(message: Message): object | null {
  if (message.id === undefined || message.id === null || !message.method) return null;
  const ok = (result: object) => ({ jsonrpc: '2.0', id: message.id, result });
  switch (message.method) {
    case 'initialize': {
      const asked = message.params?.protocolVersion ?? '';
      return ok({
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: 'minimal-upstream', version: '1.0.0' },
      });
    }
    case 'ping':
      return ok({});
    case 'tools/list':
      return ok({ tools: TOOLS });
    case 'tools/call':
      if (message.params?.name !== 'echo') return { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: `Unknown tool: ${message.params?.name}` } };
      return ok({ content: [{ type: 'text', text: `Echo: ${String(message.params.arguments?.message)}` }] });
    default:
      return { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `Method not found: ${message.method}` } };
  }
}

const [mode, portArg] = process.argv.slice(2);
if (mode === 'stdio') {
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (!line.trim()) return;
    const message = parse(line);
    const reply = message ? answer(message) : PARSE_ERROR;
    if (reply) process.stdout.write(`${JSON.stringify(reply)}\n`);
  });
} else if (mode === 'http') {
  const sessions = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url !== '/mcp') return void res.writeHead(404).end();
    const sessionId = req.headers['mcp-session-id'];
    if (req.method === 'DELETE') {
      if (typeof sessionId === 'string') sessions.delete(sessionId);
      return void res.writeHead(200).end();
    }
    // No server-initiated stream: the client is told so, as the transport allows.
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST, DELETE' }).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const message = parse(Buffer.concat(chunks).toString('utf8'));
      // One message per POST: this fixture takes no batches.
      if (!message) return void res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(PARSE_ERROR));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (message.method === 'initialize') {
        const id = randomUUID();
        sessions.add(id);
        headers['mcp-session-id'] = id;
      } else if (typeof sessionId !== 'string') {
        return void res.writeHead(400).end();
      } else if (!sessions.has(sessionId)) {
        return void res.writeHead(404).end();
      }
      const reply = answer(message);
      if (!reply) return void res.writeHead(202).end();
      const text = JSON.stringify(reply);
      res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(text)) }).end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(portArg), '127.0.0.1', () => console.error(`minimal-upstream listening on port ${portArg}`));
} else {
  console.error('usage: minimal-upstream.ts http <port> | stdio');
  process.exit(2);
}
