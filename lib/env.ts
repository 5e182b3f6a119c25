// Every setting the application reads, validated once with zod. Nothing is required: an empty
// environment gives a working single-node install on the embedded database (ARCHITECTURE.md).
// Keep .env.example in step with this file.
import path from 'node:path';
import { z } from 'zod';

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
  .transform((e) => ({
    ...e,
    SECRETS_KMS_PROVIDER: e.SECRETS_KMS_PROVIDER ?? (e.SECRETS_KEK ? ('settings' as const) : ('local' as const)),
    DATA_DIR: path.resolve(e.DATA_DIR),
    PUBLIC_URL: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
  }));

export type Env = z.output<typeof envSchema>;

/** Parses a settings object; throws one readable error naming every bad setting. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // A blank setting (`PORT=` in an env file, `${PORT}` in compose) means "use the default".
  const setOnly = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
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
