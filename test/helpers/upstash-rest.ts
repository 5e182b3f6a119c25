// A minimal stand-in for Upstash's REST API on a random local port, forwarding every command to a
// real Redis through ioredis, so UpstashRateLimiter (@upstash/redis) is tested against Redis 7.
// The protocol as @upstash/redis 1.x sends it (node_modules/@upstash/redis, HttpClient):
//   - every request is a POST with `Authorization: Bearer <token>` and a JSON body;
//   - `/` takes one command, ["evalsha", sha, 1, key, ...]: 200 {result} or 400 {error};
//   - `/pipeline` (what auto-pipelining uses for everything) and `/multi-exec` take an array of
//     commands: 200 [{result} | {error}, ...];
//   - `Upstash-Encoding: base64` asks for every string in a result base64-encoded, except the
//     status "OK"; numbers, nulls and nesting are kept;
//   - a wrong token is answered 401 {error}.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';

export interface UpstashRestAdapter {
  /** Base URL for `new Redis({ url })` of @upstash/redis. */
  url: string;
  token: string;
  /** Names of the commands forwarded, lower-case, in order (for asserting on EVALSHA/EVAL). */
  commands: string[];
  /** HTTP requests answered, by path. */
  requests: string[];
  close: () => Promise<void>;
}

type Reply = { result: unknown } | { error: string };

export async function startUpstashRestAdapter(options: { redisUrl: string; token?: string }): Promise<UpstashRestAdapter> {
  const token = options.token ?? 'test-upstash-token';
  // RESP2: the shapes Upstash answers with (arrays, never maps).
  const redis = new Redis(options.redisUrl, { protocol: 2, disableClientInfo: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const commands: string[] = [];
  const requests: string[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void answer(req, Buffer.concat(chunks).toString('utf8')).then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
  });

  async function answer(req: http.IncomingMessage, text: string): Promise<{ status: number; body: unknown }> {
    const path = new URL(req.url ?? '/', 'http://adapter').pathname.replace(/\/+$/, '') || '/';
    requests.push(path);
    if (req.method !== 'POST') return { status: 405, body: { error: 'ERR method not allowed' } };
    if (req.headers.authorization !== `Bearer ${token}`) {
      return { status: 401, body: { error: 'WRONGPASS invalid or missing auth token' } };
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { status: 400, body: { error: 'ERR failed to parse command' } };
    }
    if (path === '/') {
      if (!isCommand(parsed)) return { status: 400, body: { error: 'ERR expected a JSON array command' } };
      const reply = await run(parsed, base64);
      return { status: 'error' in reply ? 400 : 200, body: reply };
    }
    if (path === '/pipeline' || path === '/multi-exec') {
      if (!Array.isArray(parsed) || !parsed.every(isCommand)) {
        return { status: 400, body: { error: 'ERR expected a JSON array of commands' } };
      }
      if (path === '/pipeline') return { status: 200, body: await Promise.all(parsed.map((c) => run(c, base64))) };
      return { status: 200, body: await transaction(parsed, base64) };
    }
    return { status: 404, body: { error: `ERR unknown endpoint ${path}` } };
  }

  async function run(command: unknown[], base64: boolean): Promise<Reply> {
    const [name, ...args] = command.map(String) as [string, ...string[]];
    commands.push(name.toLowerCase());
    try {
      return { result: encode(await redis.call(name, ...args), base64) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  async function transaction(list: unknown[][], base64: boolean): Promise<Reply[] | Reply> {
    const multi = redis.multi();
    for (const command of list) {
      const [name, ...args] = command.map(String) as [string, ...string[]];
      commands.push(name.toLowerCase());
      multi.call(name, ...args);
    }
    try {
      const results = (await multi.exec()) ?? [];
      return results.map(([error, result]) => (error ? { error: error.message } : { result: encode(result, base64) }));
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    commands,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}

function isCommand(value: unknown): value is unknown[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((part) => typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean')
  );
}

function encode(value: unknown, base64: boolean): unknown {
  if (!base64) return value;
  if (typeof value === 'string') return value === 'OK' ? value : Buffer.from(value, 'utf8').toString('base64');
  if (Array.isArray(value)) return value.map((item) => encode(item, base64));
  return value;
}
