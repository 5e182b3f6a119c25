// The environment of a stdio server: a minimal allowlist taken from the platform (PATH, LANG, LC_ALL,
// TZ) with HOME and TMPDIR pointing into the server's own sandbox directory, plus the
// registration's variables. Never the platform's own environment — no DATABASE_URL, AUTH_SECRET,
// SECRETS_KEK — and no variable that injects code into the child or redirects where its packages
// come from (NODE_OPTIONS, LD_PRELOAD, PYTHONPATH, npm_config_registry…).
//
// A registration variable whose value is `secret_ref:<uuid>` is resolved from the secret store of
// the registration's organization when the process starts; the plaintext lives only in the child's
// environment and in the redaction list of its stderr capture.
import path from 'node:path';
import { AppError } from '@/lib/api/errors';
import { isUuid } from '@/lib/tenancy/access';

export const SECRET_REF_PREFIX = 'secret_ref:';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VARIABLES = 100;
const MAX_VALUE_BYTES = 32 * 1024;

/** Taken from the platform's environment when set; nothing else is. */
const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

/** Set by the platform for every server; a registration may not override them. */
const RESERVED = new Set(['PATH', 'HOME', 'TMPDIR', 'SHELL', 'PWD', 'OLDPWD']);

/** Names that inject code or redirect package sources, compared in upper case. */
const REFUSED_NAMES = new Map<string, string>([
  ['BASH_ENV', 'runs a script in every bash shell'],
  ['ENV', 'runs a script in every sh shell'],
  ['SHELLOPTS', 'changes how shells run scripts'],
  ['BASHOPTS', 'changes how shells run scripts'],
  ['PS4', 'runs code in traced shells'],
  ['PROMPT_COMMAND', 'runs code in shells'],
  ['IFS', 'changes how shells split words'],
  ['CDPATH', 'changes where shells change directory'],
  ['ZDOTDIR', 'loads zsh start-up files'],
  ['GCONV_PATH', 'loads shared libraries into the C library'],
  ['GLIBC_TUNABLES', 'changes the C library at start-up'],
  ['HOSTALIASES', 'redirects host names'],
  ['LOCALDOMAIN', 'changes name resolution'],
  ['RES_OPTIONS', 'changes name resolution'],
  ['SSL_CERT_FILE', 'replaces the trusted certificate authorities'],
  ['SSL_CERT_DIR', 'replaces the trusted certificate authorities'],
  ['CURL_CA_BUNDLE', 'replaces the trusted certificate authorities'],
  ['REQUESTS_CA_BUNDLE', 'replaces the trusted certificate authorities'],
  ['ELECTRON_RUN_AS_NODE', 'turns an application into a Node.js interpreter'],
  ['CLASSPATH', 'loads Java code'],
  ['JAVA_TOOL_OPTIONS', 'loads Java agents'],
  ['_JAVA_OPTIONS', 'loads Java agents'],
  ['JDK_JAVA_OPTIONS', 'loads Java agents'],
  ['LUA_INIT', 'runs Lua code at start-up'],
  ['LUA_PATH', 'loads Lua code'],
  ['LUA_CPATH', 'loads Lua code'],
  ['TCLLIBPATH', 'loads Tcl code'],
  ['PHPRC', 'loads PHP configuration'],
  ['PHP_INI_SCAN_DIR', 'loads PHP configuration'],
  ['XDG_CONFIG_HOME', 'redirects configuration files'],
  ['XDG_CONFIG_DIRS', 'redirects configuration files'],
]);

/** Prefixes with the same effect, and the harmless names under them. */
const REFUSED_PREFIXES: { prefix: string; reason: string; except?: string[] }[] = [
  { prefix: 'LD_', reason: 'loads shared libraries into the process' },
  { prefix: 'DYLD_', reason: 'loads shared libraries into the process' },
  { prefix: 'NODE_', reason: 'changes what Node.js loads and trusts', except: ['NODE_ENV', 'NODE_NO_WARNINGS'] },
  { prefix: 'NPM_CONFIG_', reason: 'changes where npm/npx fetch packages from' },
  { prefix: 'YARN_', reason: 'changes where yarn fetches packages from' },
  { prefix: 'PNPM_', reason: 'changes where pnpm fetches packages from' },
  { prefix: 'COREPACK_', reason: 'changes which package manager runs' },
  { prefix: 'BUN_', reason: 'changes what bun loads and where it fetches packages from' },
  { prefix: 'DENO_', reason: 'changes what Deno loads and trusts' },
  { prefix: 'UV_', reason: 'changes where uv fetches packages from' },
  { prefix: 'PIP_', reason: 'changes where pip fetches packages from' },
  {
    prefix: 'PYTHON',
    reason: 'changes what Python loads at start-up',
    except: ['PYTHONUNBUFFERED', 'PYTHONIOENCODING', 'PYTHONUTF8', 'PYTHONDONTWRITEBYTECODE'],
  },
  { prefix: 'PERL', reason: 'loads Perl code' },
  { prefix: 'RUBY', reason: 'loads Ruby code' },
  { prefix: 'GEM_', reason: 'loads Ruby code' },
  { prefix: 'BUNDLE_', reason: 'loads Ruby code' },
  { prefix: 'GIT_', reason: 'runs commands through git', except: ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'] },
  { prefix: 'BASH_FUNC_', reason: 'defines shell functions' },
];

/** Why a variable name is refused, or undefined when it may be set. */
export function refusedVariableReason(name: string): string | undefined {
  if (!ENV_NAME.test(name)) return 'must match ^[A-Za-z_][A-Za-z0-9_]*$';
  const upper = name.toUpperCase();
  if (RESERVED.has(upper)) return 'is set by the platform';
  const exact = REFUSED_NAMES.get(upper);
  if (exact) return `is not allowed: it ${exact}`;
  for (const rule of REFUSED_PREFIXES) {
    if (upper.startsWith(rule.prefix) && !rule.except?.includes(upper)) return `is not allowed: it ${rule.reason}`;
  }
  return undefined;
}

const invalidVariable = (name: string, reason: string) =>
  new AppError('invalid_input', `Environment variable ${name} ${reason}`, { fields: { [`env.${name}`]: [reason] } });

/**
 * Validates a registration's variables (names, refused variables, sizes, secret-ref syntax);
 * throws a 400 naming the first bad one. Registration endpoints call it on write; the pool again
 * before every start.
 */
export function validateStdioEnv(vars: Record<string, string>): void {
  const names = Object.keys(vars);
  if (names.length > MAX_VARIABLES) {
    throw new AppError('invalid_input', `At most ${MAX_VARIABLES} environment variables`, { fields: { env: ['too many variables'] } });
  }
  for (const name of names) {
    const reason = refusedVariableReason(name);
    if (reason) throw invalidVariable(name, reason);
    const value = vars[name];
    if (typeof value !== 'string') throw invalidVariable(name, 'must be a string');
    if (value.includes('\0')) throw invalidVariable(name, 'must not contain NUL characters');
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw invalidVariable(name, `must be at most ${MAX_VALUE_BYTES} bytes`);
    if (value.startsWith(SECRET_REF_PREFIX) && !isUuid(value.slice(SECRET_REF_PREFIX.length))) {
      throw invalidVariable(name, `must be "${SECRET_REF_PREFIX}<uuid>" to name a stored secret`);
    }
  }
}

/** The secret refs a registration's variables name (for checks on write). */
export const secretRefsIn = (vars: Record<string, string>): string[] =>
  Object.values(vars)
    .filter((v) => v.startsWith(SECRET_REF_PREFIX))
    .map((v) => v.slice(SECRET_REF_PREFIX.length));

export interface ChildEnvironment {
  env: Record<string, string>;
  /** Values of the registration's variables worth redacting from the child's output. */
  sensitiveValues: string[];
}

/** Shorter literal values are too common ("1", "true", "prod") to redact without mangling output. */
const MIN_REDACTED_LITERAL = 8;
const MIN_REDACTED_SECRET = 4;

/**
 * The child's complete environment. `workDir` is the server's sandbox (HOME is `<workDir>/home`,
 * TMPDIR `<workDir>/tmp`); `resolveSecretRef` turns a ref into its plaintext (the registration's
 * organization's secret store) and is required when a variable holds a ref.
 */
export async function buildStdioEnvironment(
  vars: Record<string, string>,
  options: { workDir: string; resolveSecretRef?: (ref: string) => Promise<string>; platformEnv?: Record<string, string | undefined> },
): Promise<ChildEnvironment> {
  validateStdioEnv(vars);
  const platform = options.platformEnv ?? process.env;
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = platform[name];
    // A value starting with "()" is an exported shell function: never passed on.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.HOME = path.join(options.workDir, 'home');
  env.TMPDIR = path.join(options.workDir, 'tmp');

  const sensitiveValues: string[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (value.startsWith(SECRET_REF_PREFIX)) {
      if (!options.resolveSecretRef) throw invalidVariable(name, 'names a stored secret, but no organization was given to resolve it in');
      const ref = value.slice(SECRET_REF_PREFIX.length);
      let plaintext: string;
      try {
        plaintext = await options.resolveSecretRef(ref);
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') {
          throw invalidVariable(name, `names secret ${ref}, which does not exist in this organization`);
        }
        throw error;
      }
      if (plaintext.includes('\0')) throw invalidVariable(name, 'names a secret containing NUL characters');
      env[name] = plaintext;
      if (plaintext.length >= MIN_REDACTED_SECRET) sensitiveValues.push(plaintext);
    } else {
      env[name] = value;
      if (value.length >= MIN_REDACTED_LITERAL) sensitiveValues.push(value);
    }
  }
  return { env, sensitiveValues };
}
