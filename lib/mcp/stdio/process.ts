// One stdio server process: spawned without a shell as the leader of its own process group, so
// that stopping it reaches everything it started (npx → sh → node). Stopping sends SIGTERM to the
// group, SIGKILL after a grace period, waits for the leader's exit (Node reaps it: no zombie), then
// SIGKILLs the group once more for stragglers that ignored SIGTERM; orphans of the group are
// reparented to init, which reaps them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { StderrCapture } from './stderr-capture';

export const KILL_GRACE_MS = 2_000;
/** After SIGKILL the exit is normally immediate; past this the stop gives up waiting. */
const SIGKILL_WAIT_MS = 5_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export const describeExit = (exit: ExitInfo): string =>
  exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;

/** Every live process group we lead, for the synchronous kill on process exit (kept across hot reloads). */
const globalGroups = globalThis as unknown as { __axsStdioGroups?: Set<number> };
export const liveGroups = (globalGroups.__axsStdioGroups ??= new Set<number>());

const killGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
};

export class StdioProcess {
  readonly exited: Promise<ExitInfo>;
  exit?: ExitInfo;
  stopRequested = false;
  private stopping?: Promise<void>;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly pid: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        // Whatever the leader left behind in its group goes with it.
        killGroup(pid, 'SIGKILL');
        liveGroups.delete(pid);
        child.stdin.destroy();
        resolve(this.exit);
      });
    });
    // Streams are destroyed on exit; their late errors (EPIPE) are not ours to crash on.
    child.stdin.on('error', () => {});
  }

  /** Spawns the server; rejects when the executable cannot be started (ENOENT, EACCES…). */
  static spawn(
    executable: string,
    args: string[],
    options: { cwd: string; env: Record<string, string>; stderr: StderrCapture },
  ): Promise<StdioProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(executable, args, {
        cwd: options.cwd,
        env: options.env as NodeJS.ProcessEnv,
        shell: false,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      }) as ChildProcessWithoutNullStreams;
      child.stderr.on('data', (chunk: Buffer) => options.stderr.write(chunk));
      child.once('error', (error) => {
        if (child.pid === undefined) reject(error);
      });
      child.once('spawn', () => {
        const proc = new StdioProcess(child, child.pid!);
        liveGroups.add(proc.pid);
        resolve(proc);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Stops the whole group and resolves once the leader has exited and been reaped. */
  stop(graceMs = KILL_GRACE_MS): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (async () => {
      if (this.running) {
        this.child.stdin.end();
        killGroup(this.pid, 'SIGTERM');
        if (!(await settlesWithin(this.exited, graceMs))) {
          killGroup(this.pid, 'SIGKILL');
          await settlesWithin(this.exited, SIGKILL_WAIT_MS);
        }
      }
      killGroup(this.pid, 'SIGKILL');
    })();
    return this.stopping;
  }
}

/** Whether `promise` settles within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every group we still lead, synchronously: the last resort when the platform exits. */
export function killAllGroupsSync(): void {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}
