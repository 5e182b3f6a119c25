// Every setting the application reads, validated once with zod. Nothing is required: an empty
// environment gives a working single-node install on the embedded database (ARCHITECTURE.md).
// Keep .env.example in step with this file.
import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';
import { DEFAULT_ALLOWED_COMMANDS, parseAllowedCommands } from './mcp/stdio/allowlist-entries';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: optionalUrl,
    DATA_DIR: z.string().min(1).default('./.data'),
    DATABASE_URL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    AUTH_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    SIGNUP_MODE: z.enum(['open', 'invite', 'closed']).default('open'),
    API_TOKEN_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24 * 30),
    AUTH_THROTTLE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    AUTH_THROTTLE_PER_ACCOUNT: z.coerce.number().int().min(1).max(10_000).default(10),
    AUTH_THROTTLE_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(50),
    TRUST_PROXY: bool.default(false),
    // Agent JWTs: lifetime of an issued token unless the request asks for less, and the cap.
    AGENT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(90 * 86_400),
    AGENT_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().min(60).max(5 * 365 * 86_400).default(365 * 86_400),
    // A JSON array of private EC P-256 JWKs (each with a kid), newest first; overrides the keys
    // generated into DATA_DIR so that every instance signs and verifies with the same ring.
    AGENT_JWT_SIGNING_KEYS: optionalString.pipe(
      z
        .string()
        .transform((text, c) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            c.addIssue({ code: 'custom', message: 'must be a JSON array of private JWKs' });
            return z.NEVER;
          }
        })
        .pipe(
          z
            .array(z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), d: z.string(), x: z.string(), y: z.string(), kid: z.string().min(1) }))
            .min(1, 'needs at least one key'),
        )
        .optional(),
    ),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Agents with inbound auth MTLS: the TLS terminator in front forwards the client certificate
    // (PEM, URL-encoded as nginx's $ssl_client_escaped_cert, or base64 DER) in this header, and
    // proves itself with PROXY_SECRET in x-axs-proxy-secret. Without PROXY_SECRET no forwarded
    // certificate is believed: a client could send the header itself.
    MTLS_CLIENT_CERT_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name')
      .transform((v) => v.toLowerCase())
      .default('x-client-cert'),
    PROXY_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    // Secret store (lib/secrets/kms.ts): the key-encryption key that wraps the data keys.
    // SECRETS_KEK is 32 random bytes, base64url (`openssl rand -base64 32 | tr '+/' '-_'`); the
    // same value on every instance. Without it, a KEK is generated into DATA_DIR/keys/secret-kek.
    SECRETS_KEK: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{43}=?$/, 'must be 32 bytes, base64url-encoded (43 characters, or 44 with "=")')
        .optional(),
    ),
    // local: the generated KEK in DATA_DIR | settings: SECRETS_KEK. Default: settings when
    // SECRETS_KEK is set, else local.
    SECRETS_KMS_PROVIDER: z.enum(['local', 'settings']).optional(),
    // stdio MCP servers (lib/mcp/stdio): the commands that may run, comma- or newline-separated
    // (syntax in lib/mcp/stdio/allowlist-entries.ts). Empty or `none`: stdio is disabled.
    MCP_STDIO_ALLOWED_COMMANDS: z
      .string()
      .default(DEFAULT_ALLOWED_COMMANDS)
      .transform((text, c) => {
        try {
          return parseAllowedCommands(text);
        } catch (error) {
          c.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    // Where each stdio server gets its working directory (and HOME, TMPDIR); never inside DATA_DIR.
    MCP_STDIO_WORK_DIR: z.string().min(1).default(path.join(os.tmpdir(), 'agentxsuite-stdio')),
    MCP_STDIO_MAX_PROCESSES: z.coerce.number().int().min(1).max(1000).default(20),
    MCP_STDIO_IDLE_SECONDS: z.coerce.number().int().min(1).max(7 * 86_400).default(300),
    MCP_STDIO_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
    MCP_STDIO_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
    // Who may register (create or change) stdio MCP servers: instance_admin = only the instance
    // administrator | org_admin = any org admin (mcp_server.manage). Default: instance_admin
    // whenever SIGNUP_MODE is open (anyone could make an org and run commands), else org_admin.
    MCP_STDIO_REGISTRATION: z.enum(['instance_admin', 'org_admin']).optional(),
    // Background health checks of enabled MCP server registrations (lib/mcp-servers/health-monitor.ts);
    // 0 disables them.
    MCP_HEALTH_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(7 * 86_400).default(300),
    // MCP requests (resource reads, prompt gets, completions, tool calls…) the gateway handles for
    // one agent at once, over all its sessions on this instance; one more answers JSON-RPC -32000.
    MCP_MAX_REQUESTS_IN_FLIGHT_PER_AGENT: z.coerce.number().int().min(1).max(10_000).default(64),
    // Upstream safety (lib/mcp/guarded-fetch.ts). Loopback, private (10/8, 172.16/12, 192.168/16,
    // fc00::/7) and CGNAT (100.64/10) upstream addresses are refused unless this is true — set it
    // for a local quick start or an operator whose MCP servers live on the internal network.
    // Cloud metadata and link-local addresses stay refused either way.
    UPSTREAM_ALLOW_PRIVATE: bool.default(false),
    // Cap on an upstream response body; for event streams (SSE) and WebSocket, per event/message.
    UPSTREAM_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024),
    // Time allowed to open the connection (DNS, TCP, TLS) to an upstream server.
    UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
    // Time allowed for a whole upstream request: until the response headers of an event stream,
    // until the last byte of any other response (redirects included).
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    // Tool sync (lib/tools/sync.ts): at most this many tools/list pages are followed and this many
    // tools accepted from one upstream; beyond either the sync fails (502) and changes nothing.
    MCP_SYNC_MAX_PAGES: z.coerce.number().int().min(1).max(100_000).default(100),
    MCP_SYNC_MAX_TOOLS: z.coerce.number().int().min(1).max(1_000_000).default(5000),
    // Rate limits (lib/ratelimit): a token bucket per agent+tool holding RATE_LIMIT_CAPACITY tokens,
    // refilled at RATE_LIMIT_REFILL_PER_SEC, unless the tool overrides them. Where buckets live:
    // Redis when REDIS_URL is set, else Upstash when both UPSTASH_* are set, else this process's
    // memory (one instance only). REDIS_URL may and UPSTASH_REDIS_REST_TOKEN does carry a secret:
    // neither is ever logged.
    REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional()),
    UPSTASH_REDIS_REST_URL: optionalString.pipe(
      z.url({ protocol: /^https?$/, error: 'must be an https:// (or http://) URL' }).optional(),
    ),
    UPSTASH_REDIS_REST_TOKEN: optionalString,
    RATE_LIMIT_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(60),
    RATE_LIMIT_REFILL_PER_SEC: z.coerce.number().positive().max(1_000_000).default(1),
    // When the shared store (Redis, Upstash) cannot be reached, executions are refused with 503
    // (fail closed) unless this is true: then they run unlimited, each one audited.
    RATE_LIMIT_FAIL_OPEN: bool.default(false),
    // Tool runs (lib/executor): the time a call may take (connect included) unless the request
    // asks for less — or more, up to RUN_MAX_TIMEOUT_SECONDS; how many runs one agent may have in
    // flight at once; the largest input_data and the largest result kept (larger is truncated).
    RUN_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(30),
    RUN_MAX_TIMEOUT_SECONDS: z.coerce.number().positive().max(3600).default(300),
    RUN_MAX_CONCURRENT_PER_AGENT: z.coerce.number().int().min(1).max(10_000).default(5),
    RUN_MAX_INPUT_BYTES: z.coerce.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
    RUN_MAX_OUTPUT_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .refine((e) => e.AGENT_TOKEN_TTL_SECONDS <= e.AGENT_TOKEN_MAX_TTL_SECONDS, {
    path: ['AGENT_TOKEN_TTL_SECONDS'],
    message: 'must not exceed AGENT_TOKEN_MAX_TTL_SECONDS',
  })
  .refine((e) => e.SECRETS_KMS_PROVIDER !== 'settings' || e.SECRETS_KEK, {
    path: ['SECRETS_KEK'],
    message: 'is required when SECRETS_KMS_PROVIDER=settings',
  })
  .refine((e) => e.SECRETS_KMS_PROVIDER !== 'local' || !e.SECRETS_KEK, {
    path: ['SECRETS_KMS_PROVIDER'],
    message: 'is local, which ignores SECRETS_KEK: unset one of them',
  })
  .refine((e) => !e.UPSTASH_REDIS_REST_URL || e.UPSTASH_REDIS_REST_TOKEN, {
    path: ['UPSTASH_REDIS_REST_TOKEN'],
    message: 'is required when UPSTASH_REDIS_REST_URL is set',
  })
  .refine((e) => !e.UPSTASH_REDIS_REST_TOKEN || e.UPSTASH_REDIS_REST_URL, {
    path: ['UPSTASH_REDIS_REST_URL'],
    message: 'is required when UPSTASH_REDIS_REST_TOKEN is set',
  })
  .refine(
    (e) => {
      const [work, data] = [path.resolve(e.MCP_STDIO_WORK_DIR), path.resolve(e.DATA_DIR)];
      const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith(path.sep) ? b : b + path.sep);
      return !within(work, data) && !within(data, work);
    },
    { path: ['MCP_STDIO_WORK_DIR'], message: 'must be outside DATA_DIR (and not contain it)' },
  )
  .transform((e) => ({
    ...e,
    SECRETS_KMS_PROVIDER: e.SECRETS_KMS_PROVIDER ?? (e.SECRETS_KEK ? ('settings' as const) : ('local' as const)),
    MCP_STDIO_REGISTRATION: e.MCP_STDIO_REGISTRATION ?? (e.SIGNUP_MODE === 'open' ? ('instance_admin' as const) : ('org_admin' as const)),
    DATA_DIR: path.resolve(e.DATA_DIR),
    MCP_STDIO_WORK_DIR: path.resolve(e.MCP_STDIO_WORK_DIR),
    PUBLIC_URL: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
  }));

export type Env = z.output<typeof envSchema>;

/** Parses a settings object; throws one readable error naming every bad setting. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // A blank setting (`PORT=` in an env file, `${PORT}` in compose) means "use the default".
  const setOnly = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  // Except here: an empty MCP_STDIO_ALLOWED_COMMANDS disables stdio rather than allowing the default.
  if (source.MCP_STDIO_ALLOWED_COMMANDS === '') setOnly.MCP_STDIO_ALLOWED_COMMANDS = 'none';
  const result = envSchema.safeParse(setOnly);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated settings of this process, read once from process.env. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests change settings between cases; production never calls this. */
export function resetEnvCache(): void {
  cached = undefined;
}
