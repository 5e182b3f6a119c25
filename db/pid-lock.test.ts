// The pid-file lock that keeps a second process off the embedded database directory.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquirePidLock, DataDirLockedError, lockHolder } from './pid-lock';

let dir: string;
let lockFile: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'axs-pidlock-'));
  lockFile = path.join(dir, 'pglite.pid');
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startSleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child as ChildProcess & { pid: number };
}

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('acquirePidLock', () => {
  it('writes our pid, and release removes the file', () => {
    const release = acquirePidLock(lockFile);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    expect(lockHolder(lockFile)).toBe(process.pid);
    release();
    expect(fs.existsSync(lockFile)).toBe(false);
    expect(lockHolder(lockFile)).toBeNull();
  });

  it('refuses while another live process holds the lock, naming its pid', async () => {
    const other = await startSleeper();
    fs.writeFileSync(lockFile, String(other.pid));
    expect(lockHolder(lockFile)).toBe(other.pid);

    let thrown: unknown;
    try {
      acquirePidLock(lockFile);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DataDirLockedError);
    expect((thrown as DataDirLockedError).pid).toBe(other.pid);
    expect((thrown as DataDirLockedError).lockFile).toBe(lockFile);
    expect((thrown as Error).message).toContain(String(other.pid));
    // The holder's lock is left alone.
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(other.pid));
  });

  it('takes over the lock of a process that has exited', async () => {
    const stale = await deadPid();
    fs.writeFileSync(lockFile, String(stale));
    expect(lockHolder(lockFile)).toBeNull();
    const release = acquirePidLock(lockFile);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('leaves no exit listener behind once released', () => {
    const before = process.listenerCount('exit');
    acquirePidLock(lockFile)();
    acquirePidLock(lockFile)();
    expect(process.listenerCount('exit')).toBe(before);
  });

  it('takes over a lock file that holds no pid', () => {
    fs.writeFileSync(lockFile, 'garbage');
    const release = acquirePidLock(lockFile);
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
  });

  it('does not remove a lock that another process took after ours', async () => {
    const release = acquirePidLock(lockFile);
    const other = await startSleeper();
    fs.writeFileSync(lockFile, String(other.pid)); // as if ours had been taken over
    release();
    expect(fs.readFileSync(lockFile, 'utf8')).toBe(String(other.pid));
  });
});
