// Which stdio commands may run: only those on the operator's MCP_STDIO_ALLOWED_COMMANDS list
// (syntax in ./allowlist-entries.ts). A package runner is allowed for its listed package only, so
// an allowed `npx` never becomes "run any package"; and no argument a registrant adds may point at
// the platform's own data directory or installation, where the keys and the database live.
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '@/lib/api/errors';
import { env } from '@/lib/env';
import { parsePackageSpec, type AllowedCommand } from './allowlist-entries';

export interface CheckedCommand {
  /** The executable to spawn: the command resolved on PATH at check time. */
  executable: string;
  args: string[];
  /** The allowlist entry that admitted it. */
  entry: string;
}

export interface CheckOptions {
  /** The allowlist; default: the MCP_STDIO_ALLOWED_COMMANDS setting. */
  allowed?: AllowedCommand[];
  /** The PATH commands are looked up on; default: the platform's PATH (the child's too). */
  searchPath?: string;
  /** The child's working directory, against which relative arguments are resolved. */
  cwd?: string;
}

const refuse = (message: string, details: Record<string, unknown> = {}) => new AppError('forbidden', message, details);

const isExecutableFile = (file: string): boolean => {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** An absolute path as is, a bare name through the absolute directories of `searchPath`. */
export function resolveExecutable(name: string, searchPath: string): string | undefined {
  if (path.isAbsolute(name)) return isExecutableFile(name) ? path.normalize(name) : undefined;
  if (name.includes('/')) return undefined;
  for (const dir of searchPath.split(path.delimiter)) {
    // Relative entries (and the empty one) would mean "the current directory": never searched.
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

const realpath = (file: string): string => {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return path.resolve(file);
  }
};

const isWithin = (inner: string, outer: string): boolean => {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The platform's own places: no argument may name them, anything inside or any ancestor. */
function protectedRoots(): string[] {
  return [...new Set([env().DATA_DIR, process.cwd()].map(realpath))];
}

/** Refuses registrant arguments that point at (or above) the data directory or the installation. */
function checkArgumentPaths(args: string[], cwd: string): void {
  const roots = protectedRoots();
  for (const arg of args) {
    if (arg.includes('://')) continue;
    const values = [arg];
    if (arg.startsWith('-') && arg.includes('=')) values.push(arg.slice(arg.indexOf('=') + 1));
    for (const value of values) {
      if (value === '' || (value.startsWith('-') && value === arg)) continue;
      const expanded = value === '~' || value.startsWith('~/') ? path.join(cwd, 'home', value.slice(1)) : value;
      const target = realpath(path.resolve(cwd, expanded));
      const hit = roots.find((root) => isWithin(target, root) || isWithin(root, target));
      if (hit) {
        throw refuse(`Argument "${arg}" points at the platform's own files (its data directory or installation)`, {
          argument: arg,
        });
      }
    }
  }
}

const optionName = (arg: string) => (arg.startsWith('--') ? arg.split('=')[0]! : arg);

/** Checks a runner's arguments against its entry; returns the registrant's arguments after the package, or a reason. */
function checkRunnerArgs(entry: Extract<AllowedCommand, { kind: 'runner' }>, args: string[]): string[] | string {
  const { runner } = entry;
  const allowed = `${runner.label} ${entry.package.name}${entry.package.version ? `@${entry.package.version}` : ''}`;
  let i = 0;
  for (const word of runner.subcommand) {
    if (args[i++] !== word) return `${path.basename(entry.executable)} is allowed only as "${allowed}"`;
  }
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    if (runner.packageOptions.includes(optionName(arg)) || runner.packageOptions.includes(arg)) {
      return `${runner.label} option ${optionName(arg)} names another package or command; only "${allowed}" is allowed`;
    }
    if (!runner.allowedOptions.includes(arg)) {
      return `${runner.label} option "${arg}" is not allowed before the package (allowed: ${runner.allowedOptions.join(' ')})`;
    }
  }
  const spec = args[i];
  if (spec === undefined) return `${runner.label} needs the package: "${allowed}"`;
  const pkg = parsePackageSpec(runner.kind, spec);
  if (typeof pkg === 'string') return `${runner.label} package ${pkg}`;
  if (pkg.name !== entry.package.name) return `${runner.label} may run only ${entry.package.name}, not ${pkg.name}`;
  if (entry.package.version !== undefined && pkg.version !== entry.package.version) {
    return `${runner.label} may run only ${entry.package.name}@${entry.package.version} (the version is pinned)`;
  }
  return args.slice(i + 1);
}

/**
 * Whether `command args` may run as a stdio MCP server. Answers the executable to spawn; throws a
 * 403 AppError naming why not (stdio disabled, not on the list, another package, a protected path).
 */
export function checkStdioCommand(command: string, args: string[], options: CheckOptions = {}): CheckedCommand {
  const allowed = options.allowed ?? env().MCP_STDIO_ALLOWED_COMMANDS;
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  if (allowed.length === 0) {
    throw refuse('stdio MCP servers are disabled on this instance (MCP_STDIO_ALLOWED_COMMANDS is empty)');
  }
  if (!command || /\s/.test(command)) {
    throw refuse('The command must be the executable alone (an absolute path or a name on PATH); put its arguments in args', { command });
  }
  if (!path.isAbsolute(command) && command.includes('/')) {
    throw refuse(`Command "${command}" must be an absolute path or a bare name on PATH`, { command });
  }
  const executable = resolveExecutable(command, searchPath);
  const notListed = refuse(`Command "${command}" is not on this instance's list of allowed stdio commands (MCP_STDIO_ALLOWED_COMMANDS)`, { command });
  if (!executable) throw notListed;
  const target = realpath(executable);

  let reason: string | undefined;
  for (const entry of allowed) {
    const entryPath = resolveExecutable(entry.executable, searchPath);
    if (!entryPath || realpath(entryPath) !== target) continue;
    let extra: string[];
    if (entry.kind === 'runner') {
      const checked = checkRunnerArgs(entry, args);
      if (typeof checked === 'string') {
        reason ??= checked;
        continue;
      }
      extra = checked;
    } else {
      if (!entry.fixedArgs.every((arg, i) => args[i] === arg)) {
        reason ??= `${path.basename(entry.executable)} is allowed only with the arguments "${entry.fixedArgs.join(' ')}" first`;
        continue;
      }
      extra = args.slice(entry.fixedArgs.length);
    }
    checkArgumentPaths(extra, options.cwd ?? path.join(env().MCP_STDIO_WORK_DIR, 'server'));
    return { executable, args, entry: entry.text };
  }
  if (reason) throw refuse(`Command "${command}" is not allowed with these arguments: ${reason}`, { command });
  throw notListed;
}

/** Whether stdio servers may run at all on this instance. */
export const stdioEnabled = (): boolean => env().MCP_STDIO_ALLOWED_COMMANDS.length > 0;
