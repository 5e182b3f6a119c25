// The real server-everything (@modelcontextprotocol/server-everything) over Streamable HTTP, for
// tests that need an upstream with its real tools: started on a free local port in its own
// process group, and stopped with that whole group, waiting until it is gone.
import { spawn } from 'node:child_process';
import { freePort } from './net';
import path from 'node:path';

export interface ServerEverythingHttp {
  /** `http://127.0.0.1:<port>/mcp` (the path of its dist/transports/streamableHttp.js). */
  url: string;
  pid: number;
  close(): Promise<void>;
}

const BIN = path.resolve('node_modules/.bin/mcp-server-everything');
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const READY = /listening on port/i;


const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
};

export async function startServerEverythingHttp(): Promise<ServerEverythingHttp> {
  const port = await freePort();
  const child = spawn(BIN, ['streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    // Its own process group: close() signals the group, so nothing it started survives.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${BIN}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test runner exits without close(), the server must not outlive it.
  const onExit = () => killGroup(pid, 'SIGKILL');
  process.once('exit', onExit);

  let stderr = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server-everything did not listen within ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
      child.stderr!.on('data', (chunk: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += chunk.toString();
        if (READY.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server-everything exited (${signal ?? code}) before listening:\n${stderr}`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  // Keep draining stderr (it logs every request) so the pipe never fills and blocks it.
  child.stderr!.resume();

  async function stop(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(pid!, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid!, 'SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    // Anything else left in its group (it starts none today) goes too.
    killGroup(pid!, 'SIGKILL');
    process.off('exit', onExit);
  }

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    pid,
    close: async () => {
      await stop();
      if (alive(pid)) throw new Error(`server-everything (pid ${pid}) is still running`);
    },
  };
}
