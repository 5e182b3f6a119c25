// MCP_STDIO_ALLOWED_COMMANDS: the syntax, the default, "empty disables", and the check — a package
// runner allowed for one package only, fixed arguments, and registrant arguments that may not point
// at the platform's own files. Nothing is spawned here: the check resolves executables on PATH.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@/lib/api/errors';
import { env, parseEnv, resetEnvCache } from '@/lib/env';
import { checkStdioCommand, resolveExecutable, stdioEnabled } from './allowlist';
import { DEFAULT_ALLOWED_COMMANDS, parseAllowedCommands } from './allowlist-entries';

const EVERYTHING = '@modelcontextprotocol/server-everything';
const binDir = path.resolve('node_modules/.bin');
// npx of this Node installation, and the test servers' bins, on the PATH the check searches.
const searchPath = [path.dirname(process.execPath), binDir, '/usr/bin', '/bin'].join(path.delimiter);
const allow = (text: string) => parseAllowedCommands(text);
const check = (text: string, command: string, args: string[]) =>
  checkStdioCommand(command, args, { allowed: allow(text), searchPath });

const refusal = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
};

afterEach(() => {
  delete process.env.MCP_STDIO_ALLOWED_COMMANDS;
  resetEnvCache();
});

describe('the setting', () => {
  it('defaults to the reference servers (npx and installed bins); empty or "none" disables stdio', () => {
    const defaults = parseEnv({}).MCP_STDIO_ALLOWED_COMMANDS;
    expect(defaults.map((e) => e.text).join(',')).toBe(DEFAULT_ALLOWED_COMMANDS);
    expect(defaults.filter((e) => e.kind === 'runner')).toHaveLength(3);
    expect(parseEnv({ MCP_STDIO_ALLOWED_COMMANDS: '' }).MCP_STDIO_ALLOWED_COMMANDS).toEqual([]);
    expect(parseEnv({ MCP_STDIO_ALLOWED_COMMANDS: 'none' }).MCP_STDIO_ALLOWED_COMMANDS).toEqual([]);

    process.env.MCP_STDIO_ALLOWED_COMMANDS = '';
    resetEnvCache();
    expect(stdioEnabled()).toBe(false);
    const e = refusal(() => checkStdioCommand('npx', [EVERYTHING]));
    expect(e.code).toBe('forbidden');
    expect(e.message).toMatch(/disabled.*MCP_STDIO_ALLOWED_COMMANDS is empty/);
  });

  it('takes entries separated by commas or newlines', () => {
    const entries = allow(`npx ${EVERYTHING}\n uvx mcp-server-fetch , /opt/mcp/server --stdio`);
    expect(entries.map((e) => e.kind)).toEqual(['runner', 'runner', 'executable']);
    expect(entries[2]).toMatchObject({ executable: '/opt/mcp/server', fixedArgs: ['--stdio'] });
  });

  it('refuses runners without a package, interpreters without a script, URLs as packages', () => {
    expect(() => parseEnv({ MCP_STDIO_ALLOWED_COMMANDS: 'npx' })).toThrow(/MCP_STDIO_ALLOWED_COMMANDS: "npx": a package runner needs exactly one package/);
    expect(() => allow('pnpm dlx')).toThrow(/needs exactly one package/);
    expect(() => allow('node')).toThrow(/node alone would run anything/);
    expect(() => allow('bash')).toThrow(/bash alone would run anything/);
    expect(() => allow('docker')).toThrow(/docker alone/);
    expect(() => allow('npx github:evil/pkg')).toThrow(/not a plain package name/);
    expect(() => allow(`npx ${EVERYTHING}@npm:evil`)).toThrow(/not a plain version/);
    expect(() => allow('bin/server')).toThrow(/absolute path or a bare name/);
    expect(allow('node /opt/mcp/server.js')[0]).toMatchObject({ kind: 'executable', fixedArgs: ['/opt/mcp/server.js'] });
  });

  it('keeps the work directory out of DATA_DIR', () => {
    expect(() => parseEnv({ DATA_DIR: '/srv/axs', MCP_STDIO_WORK_DIR: '/srv/axs/stdio' })).toThrow(/MCP_STDIO_WORK_DIR: must be outside DATA_DIR/);
    expect(() => parseEnv({ DATA_DIR: '/srv/axs/data', MCP_STDIO_WORK_DIR: '/srv' })).toThrow(/MCP_STDIO_WORK_DIR/);
    expect(parseEnv({ DATA_DIR: '/srv/axs', MCP_STDIO_WORK_DIR: '/srv/axs-stdio' }).MCP_STDIO_WORK_DIR).toBe('/srv/axs-stdio');
  });
});

describe('package runners', () => {
  const list = `npx ${EVERYTHING}`;

  it('allow the listed package, with -y/--yes before it and any arguments after it', () => {
    for (const args of [[EVERYTHING], ['-y', EVERYTHING], ['--yes', EVERYTHING, 'stdio'], ['-y', '--', EVERYTHING], [`${EVERYTHING}@2026.8.31`], [`${EVERYTHING}@latest`]]) {
      const ok = check(list, 'npx', args);
      expect(ok.executable).toBe(path.join(path.dirname(process.execPath), 'npx'));
      expect(ok.args).toEqual(args);
      expect(ok.entry).toBe(list);
    }
    // The same executable named by its absolute path.
    expect(check(list, path.join(path.dirname(process.execPath), 'npx'), ['-y', EVERYTHING]).entry).toBe(list);
  });

  it('refuse another package, and the forms that would run one', () => {
    const cases: [string[], RegExp][] = [
      [['-y', '@modelcontextprotocol/server-memory'], /npx may run only @modelcontextprotocol\/server-everything, not @modelcontextprotocol\/server-memory/],
      [['evil-package'], /not evil-package/],
      [['-p', 'evil', EVERYTHING], /option -p names another package or command/],
      [['--package=evil', EVERYTHING], /option --package names another package/],
      [['-c', 'sh -c id'], /option -c names another package or command/],
      [['--registry=http://evil.example', EVERYTHING], /option "--registry=http:\/\/evil.example" is not allowed before the package/],
      [['--node-options=--require=/tmp/x.js', EVERYTHING], /is not allowed before the package/],
      [[`${EVERYTHING}@npm:evil`], /not a plain version/],
      [['git+https://evil.example/x.git'], /not a plain package name/],
      [['-y'], /needs the package/],
    ];
    for (const [args, reason] of cases) {
      const e = refusal(() => check(list, 'npx', args));
      expect(e.code).toBe('forbidden');
      expect(e.status).toBe(403);
      expect(e.message).toMatch(reason);
    }
  });

  it('hold a pinned version to exactly that version', () => {
    const pinned = `npx ${EVERYTHING}@2026.8.31`;
    expect(check(pinned, 'npx', [`${EVERYTHING}@2026.8.31`]).entry).toBe(pinned);
    expect(refusal(() => check(pinned, 'npx', [EVERYTHING])).message).toMatch(/version is pinned/);
    expect(refusal(() => check(pinned, 'npx', [`${EVERYTHING}@latest`])).message).toMatch(/version is pinned/);
  });

  it('know pnpm dlx, uvx and bunx forms (checked against a stand-in executable of that name)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-runners-'));
    try {
      for (const name of ['pnpm', 'uvx', 'bunx']) {
        fs.writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      }
      const opts = (text: string) => ({ allowed: allow(text), searchPath: dir });
      expect(checkStdioCommand('pnpm', ['dlx', EVERYTHING], opts(`pnpm dlx ${EVERYTHING}`)).entry).toBe(`pnpm dlx ${EVERYTHING}`);
      expect(refusal(() => checkStdioCommand('pnpm', ['exec', EVERYTHING], opts(`pnpm dlx ${EVERYTHING}`))).message).toMatch(/allowed only as "pnpm dlx/);
      expect(checkStdioCommand('uvx', ['mcp-server-fetch'], opts('uvx mcp_server.fetch')).args).toEqual(['mcp-server-fetch']);
      expect(checkStdioCommand('uvx', ['mcp-server-fetch==1.0'], opts('uvx mcp-server-fetch')).args).toEqual(['mcp-server-fetch==1.0']);
      expect(refusal(() => checkStdioCommand('uvx', ['--from', 'evil', 'mcp-server-fetch'], opts('uvx mcp-server-fetch'))).message).toMatch(/--from names another package/);
      expect(refusal(() => checkStdioCommand('uvx', ['--with', 'evil', 'mcp-server-fetch'], opts('uvx mcp-server-fetch'))).message).toMatch(/--with names another package/);
      expect(refusal(() => checkStdioCommand('bunx', ['other'], opts(`bunx ${EVERYTHING}`))).message).toMatch(/not other/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('other executables', () => {
  it('must be on the list, by bare name or absolute path, resolved on PATH', () => {
    const list = 'mcp-server-everything, mcp-server-memory';
    expect(check(list, 'mcp-server-everything', []).executable).toBe(path.join(binDir, 'mcp-server-everything'));
    expect(check(list, path.join(binDir, 'mcp-server-memory'), []).entry).toBe('mcp-server-memory');
    for (const [command, reason] of [
      ['mcp-server-filesystem', /not on this instance's list of allowed stdio commands/],
      ['sh', /not on this instance's list/],
      ['no-such-binary', /not on this instance's list/],
      ['./mcp-server-everything', /absolute path or a bare name/],
      ['npx -y evil', /the executable alone/],
    ] as const) {
      const e = refusal(() => check(list, command, ['-c', 'id']));
      expect(e.code).toBe('forbidden');
      expect(e.message).toMatch(reason);
    }
    expect(resolveExecutable('mcp-server-everything', `relative/dir${path.delimiter}`)).toBeUndefined();
  });

  it('must start with the fixed arguments of their entry', () => {
    const list = `node ${path.join(binDir, 'mcp-server-everything')}`;
    expect(check(list, 'node', [path.join(binDir, 'mcp-server-everything'), 'stdio']).args[1]).toBe('stdio');
    expect(refusal(() => check(list, 'node', ['-e', 'process.exit(7)'])).message).toMatch(/allowed only with the arguments/);
    expect(refusal(() => check(list, 'node', ['--require=/tmp/x.js', path.join(binDir, 'mcp-server-everything')])).message).toMatch(/allowed only with the arguments/);
  });

  it('refuse registrant arguments that point at DATA_DIR, the installation, or above them', () => {
    const list = 'mcp-server-filesystem';
    const dataDir = env().DATA_DIR;
    for (const arg of [dataDir, path.join(dataDir, 'keys'), path.dirname(dataDir), '/', process.cwd(), path.join(process.cwd(), '.env'), `--root=${dataDir}`, '../../../..']) {
      const e = refusal(() => check(list, 'mcp-server-filesystem', [arg]));
      expect(e.message).toMatch(/points at the platform's own files/);
    }
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-fs-arg-'));
    try {
      expect(check(list, 'mcp-server-filesystem', [outside]).args).toEqual([outside]);
      // A symlink to the data directory is followed.
      fs.symlinkSync(dataDir, path.join(outside, 'link'));
      expect(refusal(() => check(list, 'mcp-server-filesystem', [path.join(outside, 'link')])).message).toMatch(/platform's own files/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

afterAll(() => resetEnvCache());
