// The syntax of MCP_STDIO_ALLOWED_COMMANDS, parsed once when the settings are read (lib/env.ts), so
// a bad entry stops the server with the setting's name instead of surfacing at the first spawn.
//
//   MCP_STDIO_ALLOWED_COMMANDS="npx @modelcontextprotocol/server-everything, mcp-server-memory"
//
// Entries are separated by commas or newlines; inside an entry, words are separated by spaces
// (paths with spaces are not supported: link them somewhere without). `none` (or an empty value)
// allows nothing. An entry is one of:
//   <runner> <package>[@<version>]   a package runner (npx, pnpx, bunx, uvx, pnpm dlx, yarn dlx)
//                                    limited to that package; a version pins it exactly
//   <executable> [<arg>...]          any other executable; the given args are a prefix every
//                                    registration's args must start with
// An executable is an absolute path or a bare name looked up on PATH when a command is checked.
// Interpreters, shells and package managers (node, python, sh, env, docker, npm…) would run
// anything, so they are accepted only with fixed args (`node /opt/mcp/server.js`).
import path from 'node:path';

export type RunnerKind = 'npm' | 'bun' | 'python';

export interface RunnerSpec {
  kind: RunnerKind;
  /** How the runner is written: `npx`, `pnpm dlx`… (for messages). */
  label: string;
  /** Words after the executable that select the runner mode (`dlx` of `pnpm dlx`). */
  subcommand: string[];
  /** Options that may appear before the package; anything else is refused. */
  allowedOptions: readonly string[];
  /** Options that name other packages or commands; refused with a reason. */
  packageOptions: readonly string[];
}

const NPX_OPTIONS = ['-y', '--yes', '-q', '--quiet', '--prefer-offline', '--prefer-online', '--offline', '--no-install'];

/** Package runners by executable name (and subcommand). */
const RUNNERS: Record<string, RunnerSpec[]> = {
  npx: [{ kind: 'npm', label: 'npx', subcommand: [], allowedOptions: NPX_OPTIONS, packageOptions: ['-p', '--package', '-c', '--call'] }],
  pnpx: [{ kind: 'npm', label: 'pnpx', subcommand: [], allowedOptions: ['-s', '--silent'], packageOptions: ['-p', '--package', '-c', '--shell-mode'] }],
  pnpm: [{ kind: 'npm', label: 'pnpm dlx', subcommand: ['dlx'], allowedOptions: ['-s', '--silent'], packageOptions: ['-p', '--package', '-c', '--shell-mode'] }],
  yarn: [{ kind: 'npm', label: 'yarn dlx', subcommand: ['dlx'], allowedOptions: ['-q', '--quiet'], packageOptions: ['-p', '--package'] }],
  bunx: [{ kind: 'bun', label: 'bunx', subcommand: [], allowedOptions: ['--bun', '--silent'], packageOptions: ['-p', '--package'] }],
  uvx: [{ kind: 'python', label: 'uvx', subcommand: [], allowedOptions: ['-q', '--quiet', '--offline', '--no-progress'], packageOptions: ['--from', '--with', '--with-requirements', '--with-editable', '--index', '--index-url', '--extra-index-url', '--default-index', '--find-links', '-f'] }],
};

/** Executables that run arbitrary code or packages when given no fixed arguments. */
const NEEDS_FIXED_ARGS = new Set([
  'sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'csh', 'tcsh', 'busybox',
  'env', 'sudo', 'su', 'doas', 'xargs', 'nohup', 'nice', 'timeout', 'setsid', 'stdbuf', 'time', 'exec', 'script',
  'node', 'nodejs', 'deno', 'bun', 'tsx', 'ts-node',
  'python', 'python2', 'python3', 'pypy', 'pypy3', 'uv', 'pip', 'pip3', 'pipx', 'poetry',
  'perl', 'ruby', 'php', 'lua', 'java', 'osascript', 'pwsh', 'powershell',
  'npm', 'pnpm', 'yarn', 'corepack', 'npx', 'pnpx', 'bunx', 'uvx',
  'docker', 'podman', 'nerdctl', 'ssh', 'git', 'make',
]);

const NPM_NAME = /^(@[a-z0-9~][a-z0-9._~-]*\/)?[a-z0-9~][a-z0-9._~-]*$/;
const PYTHON_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// Versions, tags and ranges only: no `npm:` aliases, git URLs, tarballs or paths.
const VERSION = /^[A-Za-z0-9.^~<>=*+ |_-]+$/;

export interface PackageRef {
  name: string;
  version?: string;
}

export type AllowedCommand =
  | { kind: 'runner'; text: string; executable: string; runner: RunnerSpec; package: PackageRef }
  | { kind: 'executable'; text: string; executable: string; fixedArgs: string[] };

export const normalizePythonName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/** Splits `name@version` (npm/bun: `@scope/name@1.2`; python: `name@1.2` or `name==1.2`). */
export function parsePackageSpec(kind: RunnerKind, spec: string): PackageRef | string {
  let name = spec;
  let version: string | undefined;
  const at = spec.lastIndexOf('@');
  if (at > 0) {
    name = spec.slice(0, at);
    version = spec.slice(at + 1);
  } else if (kind === 'python' && spec.includes('==')) {
    [name, version] = spec.split('==', 2) as [string, string];
  }
  const nameOk = kind === 'python' ? PYTHON_NAME.test(name) : NPM_NAME.test(name);
  if (!nameOk) return `"${spec}" is not a plain package name (no URLs, paths, git or aliases)`;
  if (version !== undefined && (!version || !VERSION.test(version) || version.includes(':') || version.includes('/'))) {
    return `"${spec}" has a version that is not a plain version, tag or range`;
  }
  return { name: kind === 'python' ? normalizePythonName(name) : name, ...(version !== undefined ? { version } : {}) };
}

/** The runner an executable and its following words name, if any. */
export function runnerFor(executable: string, words: string[]): RunnerSpec | undefined {
  const candidates = RUNNERS[path.basename(executable)] ?? [];
  return candidates.find((r) => r.subcommand.every((w, i) => words[i] === w));
}

function parseEntry(text: string): AllowedCommand {
  const [executable, ...rest] = text.split(/\s+/) as [string, ...string[]];
  if (!path.isAbsolute(executable) && executable.includes('/')) {
    throw new Error(`"${text}": the executable must be an absolute path or a bare name on PATH`);
  }
  const base = path.basename(executable);
  const runner = runnerFor(executable, rest);
  if (runner) {
    const words = rest.slice(runner.subcommand.length);
    if (words.length !== 1 || words[0]!.startsWith('-')) {
      throw new Error(`"${text}": a package runner needs exactly one package, e.g. "${runner.label} @modelcontextprotocol/server-everything"`);
    }
    const pkg = parsePackageSpec(runner.kind, words[0]!);
    if (typeof pkg === 'string') throw new Error(`"${text}": ${pkg}`);
    return { kind: 'runner', text, executable, runner, package: pkg };
  }
  if (rest.length === 0 && NEEDS_FIXED_ARGS.has(base)) {
    throw new Error(`"${text}": ${base} alone would run anything; name what it runs (e.g. "${base} /opt/mcp/server.js")`);
  }
  return { kind: 'executable', text, executable, fixedArgs: rest };
}

/** Parses the setting; throws an Error naming the first bad entry. */
export function parseAllowedCommands(value: string): AllowedCommand[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  return trimmed
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map(parseEntry);
}

/** The default for a single-operator install: the reference servers, through npx or installed bins. */
export const DEFAULT_ALLOWED_COMMANDS = [
  'npx @modelcontextprotocol/server-everything',
  'npx @modelcontextprotocol/server-memory',
  'npx @modelcontextprotocol/server-filesystem',
  'mcp-server-everything',
  'mcp-server-memory',
  'mcp-server-filesystem',
].join(',');
