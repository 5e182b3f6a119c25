// The child's environment (a minimal allowlist plus the registration's variables, refused
// injection variables) and the redaction of its stderr capture.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/api/errors';
import { buildStdioEnvironment, refusedVariableReason, secretRefsIn, validateStdioEnv } from './environment';
import { createRedactor, REDACTED, StderrCapture } from './stderr-capture';

const refusal = (vars: Record<string, string>): AppError => {
  try {
    validateStdioEnv(vars);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
};

describe('registration variables', () => {
  it('refuse code-injection and package-source variables with a 400 naming the variable', () => {
    for (const name of [
      'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED',
      'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES',
      'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONHOME', 'BASH_ENV', 'ENV', 'PERL5OPT', 'PERL5LIB', 'RUBYOPT',
      'JAVA_TOOL_OPTIONS', 'GCONV_PATH', 'GIT_SSH_COMMAND', 'npm_config_registry', 'NPM_CONFIG_USERCONFIG',
      'UV_INDEX_URL', 'PIP_INDEX_URL', 'SSL_CERT_FILE', 'HOSTALIASES', 'PATH', 'HOME', 'TMPDIR',
    ]) {
      const e = refusal({ [name]: 'x' });
      expect(e.status).toBe(400);
      expect(e.code).toBe('invalid_input');
      expect(e.message).toContain(`Environment variable ${name} `);
      expect(e.details).toEqual({ fields: { [`env.${name}`]: [expect.any(String)] } });
    }
    expect(refusal({ NODE_OPTIONS: '--require /tmp/x.js' }).message).toBe(
      'Environment variable NODE_OPTIONS is not allowed: it changes what Node.js loads and trusts',
    );
    expect(refusal({ LD_PRELOAD: '/tmp/x.so' }).message).toMatch(/LD_PRELOAD is not allowed: it loads shared libraries/);
  });

  it('allow ordinary names, check the name syntax, the value and the secret-ref form', () => {
    for (const name of ['API_KEY', 'NODE_ENV', 'PYTHONUNBUFFERED', 'MEMORY_FILE_PATH', '_X', 'lower_case']) {
      expect(refusedVariableReason(name)).toBeUndefined();
    }
    expect(refusal({ '1BAD': 'x' }).message).toMatch(/must match \^\[A-Za-z_\]/);
    expect(refusal({ 'A-B': 'x' }).message).toMatch(/must match/);
    expect(refusal({ 'A B': 'x' }).message).toMatch(/must match/);
    expect(refusal({ A: 'x\0y' }).message).toMatch(/NUL/);
    expect(refusal({ TOKEN: 'secret_ref:not-a-uuid' }).message).toMatch(/secret_ref:<uuid>/);
    const ref = randomUUID();
    expect(() => validateStdioEnv({ TOKEN: `secret_ref:${ref}`, PLAIN: 'x' })).not.toThrow();
    expect(secretRefsIn({ TOKEN: `secret_ref:${ref}`, PLAIN: 'x' })).toEqual([ref]);
  });
});

describe('the child environment', () => {
  it('holds PATH, LANG, LC_ALL, TZ, a sandbox HOME and TMPDIR, and the registration variables — nothing else', async () => {
    const platformEnv = {
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      HOME: '/root',
      DATABASE_URL: 'postgres://u:p@db/x',
      AUTH_SECRET: 'a'.repeat(40),
      SECRETS_KEK: 'k'.repeat(43),
      AXS_CANARY_SECRET: 'canary',
      NODE_OPTIONS: '--inspect',
      LC_ALL: '() { :; }; echo pwned',
    };
    const ref = randomUUID();
    const { env, sensitiveValues } = await buildStdioEnvironment(
      { GREETING: 'hello', API_TOKEN: `secret_ref:${ref}`, LONG_LITERAL: 'literal-value-1234' },
      { workDir: '/tmp/axs-stdio/k', platformEnv, resolveSecretRef: async (r) => (r === ref ? 'resolved-secret-value' : 'wrong') },
    );
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      HOME: '/tmp/axs-stdio/k/home',
      TMPDIR: '/tmp/axs-stdio/k/tmp',
      GREETING: 'hello',
      API_TOKEN: 'resolved-secret-value',
      LONG_LITERAL: 'literal-value-1234',
    });
    expect(sensitiveValues.sort()).toEqual(['literal-value-1234', 'resolved-secret-value']);
  });

  it('needs an organization to resolve a secret ref, and names a missing secret', async () => {
    const ref = randomUUID();
    await expect(buildStdioEnvironment({ T: `secret_ref:${ref}` }, { workDir: '/w' })).rejects.toThrow(/no organization was given/);
    await expect(
      buildStdioEnvironment(
        { T: `secret_ref:${ref}` },
        {
          workDir: '/w',
          resolveSecretRef: async () => {
            throw new AppError('not_found', 'Secret not found');
          },
        },
      ),
    ).rejects.toMatchObject({ code: 'invalid_input', message: `Environment variable T names secret ${ref}, which does not exist in this organization` });
  });
});

describe('stderr capture', () => {
  it('redacts the registration values (raw, URL- and JSON-escaped), bearer tokens and credential pairs', () => {
    const redact = createRedactor(['s3cr3t-value/with+chars"q']);
    const out = redact(
      [
        'raw s3cr3t-value/with+chars"q',
        `url ${encodeURIComponent('s3cr3t-value/with+chars"q')}`,
        `json ${JSON.stringify({ v: 's3cr3t-value/with+chars"q' })}`,
        'Authorization: Bearer abcdefghijklmnop123',
        'api_key=zzzyyyxxx123 password: hunter2hunter2',
        'token ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ',
      ].join('\n'),
    );
    for (const leaked of ['s3cr3t', 'abcdefghijklmnop123', 'zzzyyyxxx123', 'hunter2', 'ghp_abc', 'eyJhbGci']) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain(`Bearer ${REDACTED}`);
    expect(out).toContain(`api_key=${REDACTED}`);
  });

  it('keeps a capped tail, redacting lines split across chunks before storing them', () => {
    const capture = new StderrCapture(['split-secret-42'], 1_000);
    capture.write(Buffer.from('first line split-sec'));
    capture.write(Buffer.from('ret-42 end\n'));
    expect(capture.text()).toBe(`first line ${REDACTED} end\n`);
    for (let i = 0; i < 200; i++) capture.write(Buffer.from(`line ${i} split-secret-42\n`));
    const text = capture.text();
    expect(text.length).toBeLessThanOrEqual(1_000);
    expect(text).toContain('line 199');
    expect(text).not.toContain('split-secret-42');
    expect(capture.text(50)).toHaveLength(50);
  });
});
