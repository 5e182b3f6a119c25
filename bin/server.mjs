#!/usr/bin/env node
// The production server (`npm start`): Next.js behind a plain Node HTTP server, so route handlers
// learn the real peer address. It is written into x-axs-peer-ip, replacing anything a client sent,
// and used for per-client throttling (a client can forge X-Forwarded-For; see TRUST_PROXY).
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || '0.0.0.0';
process.env.NODE_ENV = 'production';

const app = next({ dev: false, dir: root, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

// The MCP gateway's Streamable HTTP endpoint is answered without Next's router when
// instrumentation has installed its handler (lib/mcp/gateway/node.ts); all else goes to Next.
const fastPath = () => globalThis.__axsNodeFastPath;

const server = createServer((req, res) => {
  req.headers['x-axs-peer-ip'] = req.socket.remoteAddress ?? 'unknown';
  if (fastPath()?.(req, res)) return;
  void handle(req, res);
});
server.listen(port, hostname, () => {
  const shown = process.env.PUBLIC_URL || `http://localhost:${port}`;
  console.log(`AgentxSuite is listening on ${hostname}:${port} — open ${shown}`);
});
