// PGlite has no cross-process lock: a second process opening the same directory (a CLI while
// the server runs, or a second server) can corrupt it. A pid file held for the life of the
// process refuses the second opener with a clear message.
import fs from 'node:fs';

export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database is in use by process ${pid} (lock file ${lockFile}). ` +
        'Stop that process first, or use the running app for maintenance.',
    );
  }
}

/** The pid holding the lock, or null when the lock is free or stale (its process is gone). */
export function lockHolder(lockFile: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (pid === process.pid) return pid;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it still holds the lock.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** Takes the lock or throws DataDirLockedError; returns the release function. */
export function acquirePidLock(lockFile: string): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx' fails if the file exists, so two processes starting together cannot both win.
      fs.writeFileSync(lockFile, String(process.pid), { mode: 0o600, flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = lockHolder(lockFile);
      if (holder === process.pid) break;
      if (holder !== null) throw new DataDirLockedError(lockFile, holder);
      fs.rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  const release = () => {
    // Without this, every open/close cycle in one process (tests, CLIs) leaves an exit listener.
    process.off('exit', release);
    try {
      if (lockHolder(lockFile) === process.pid) fs.unlinkSync(lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.once('exit', release);
  return release;
}
