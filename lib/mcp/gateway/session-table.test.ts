import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionCounts, SessionLimitError, SessionTable, type SessionTableOptions } from './session-table';

const tables: SessionTable<unknown>[] = [];
afterEach(() => {
  for (const table of tables.splice(0)) table.close();
});

function table<T = string>(options: SessionTableOptions<T> = {}): SessionTable<T> {
  const t = new SessionTable<T>(options);
  tables.push(t as SessionTable<unknown>);
  return t;
}

const agent = (ownerKey: string, orgId = 'org-1') => ({ ownerKey, orgId });

function limitOf(fn: () => unknown): SessionLimitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SessionLimitError) return error;
    throw error;
  }
  throw new Error('expected a SessionLimitError');
}

describe('SessionTable caps', () => {
  it('per owner', () => {
    const t = table({ maxPerOwner: 2, maxPerOrg: 10, maxTotal: 10 });
    t.add('a1', 'v', agent('a'));
    t.add('a2', 'v', agent('a'));
    const error = limitOf(() => t.add('a3', 'v', agent('a')));
    expect(error.limit).toBe('owner');
    expect(error.max).toBe(2);
    expect(error.message).toContain('agent');
    t.add('b1', 'v', agent('b')); // another owner still fits
    t.remove('a1');
    t.add('a3', 'v', agent('a')); // a freed slot is reusable
    expect(t.countForOwner('a')).toBe(2);
  });

  it("per owner with evictLeastRecentOfOwner: the owner's least recently used session makes room", () => {
    let now = 1_000;
    const disposed: [string, string][] = [];
    const t = table({ maxPerOwner: 2, maxPerOrg: 3, maxTotal: 10, evictLeastRecentOfOwner: true, now: () => now, dispose: (_v, id, reason) => void disposed.push([id, reason]) });
    t.add('a1', 'v', agent('a'));
    now += 10;
    t.add('a2', 'v', agent('a'));
    now += 10;
    t.touch('a1', 'a'); // a2 is now the least recently used
    t.add('a3', 'v', agent('a'));
    expect(disposed).toEqual([['a2', 'evicted']]);
    expect(t.get('a2', 'a')).toBeUndefined();
    expect(t.countForOwner('a')).toBe(2);
    // Another owner's sessions are never evicted for it: the org cap still refuses.
    t.add('b1', 'v', agent('b'));
    expect(limitOf(() => t.add('b2', 'v', agent('b'))).limit).toBe('org');
    expect(t.countForOwner('a')).toBe(2);
  });

  it('per org', () => {
    const t = table({ maxPerOwner: 10, maxPerOrg: 2, maxTotal: 10 });
    t.add('1', 'v', agent('a', 'org-1'));
    t.add('2', 'v', agent('b', 'org-1'));
    const error = limitOf(() => t.add('3', 'v', agent('c', 'org-1')));
    expect(error.limit).toBe('org');
    expect(error.max).toBe(2);
    t.add('4', 'v', agent('d', 'org-2'));
    expect(t.countForOrg('org-1')).toBe(2);
    expect(t.countForOrg('org-2')).toBe(1);
  });

  it('overall', () => {
    const t = table({ maxPerOwner: 10, maxPerOrg: 10, maxTotal: 3 });
    t.add('1', 'v', agent('a', 'o1'));
    t.add('2', 'v', agent('b', 'o2'));
    t.add('3', 'v', agent('c', 'o3'));
    const error = limitOf(() => t.add('4', 'v', agent('d', 'o4')));
    expect(error.limit).toBe('total');
    expect(error.max).toBe(3);
    expect(t.size).toBe(3);
  });

  it('a refused add leaves the table unchanged; duplicate ids and closed tables are refused', () => {
    const dispose = vi.fn();
    const t = table({ maxPerOwner: 1, dispose });
    t.add('1', 'v', agent('a'));
    expect(() => t.add('2', 'w', agent('a'))).toThrow(SessionLimitError);
    expect(t.size).toBe(1);
    expect(t.countForOrg('org-1')).toBe(1);
    expect(dispose).not.toHaveBeenCalled();
    expect(() => t.add('1', 'x', agent('b'))).toThrow('Duplicate');
    t.close();
    expect(() => t.add('3', 'y', agent('c'))).toThrow('closed');
  });
});

describe('SessionTable lookups', () => {
  it('a foreign owner gets undefined, as for an unknown id', () => {
    const t = table();
    t.add('s1', 'transport-1', agent('agent-a'));
    expect(t.get('s1', 'agent-a')).toBe('transport-1');
    expect(t.get('s1', 'agent-b')).toBeUndefined();
    expect(t.get('nope', 'agent-a')).toBeUndefined();
    expect(t.entry('s1', 'agent-b')).toBeUndefined();
    expect(t.touch('s1', 'agent-b')).toBe(false);
    expect(t.remove('s1', 'agent-b')).toBe(false);
    expect(t.size).toBe(1);
    expect(t.entry('s1', 'agent-a')).toMatchObject({ id: 's1', ownerKey: 'agent-a', orgId: 'org-1' });
  });

  it('touch updates lastSeen', () => {
    let now = 1000;
    const t = table({ now: () => now });
    t.add('s1', 'v', agent('a'));
    now = 5000;
    expect(t.touch('s1', 'a')).toBe(true);
    expect(t.entry('s1', 'a')).toMatchObject({ createdAt: 1000, lastSeen: 5000 });
  });
});

describe('SessionTable removal', () => {
  it('remove disposes once, even when dispose removes again (transport.onclose → remove)', () => {
    const dispose = vi.fn();
    const t: SessionTable<{ close: () => void }> = table({ dispose: (value, id, reason) => {
      dispose(id, reason);
      value.close();
    } });
    t.add('s1', { close: () => t.remove('s1') }, agent('a'));
    expect(t.remove('s1')).toBe(true);
    expect(t.remove('s1')).toBe(false);
    expect(dispose).toHaveBeenCalledTimes(1);
    expect(dispose).toHaveBeenCalledWith('s1', 'removed');
    expect(t.size).toBe(0);
    expect(t.countForOwner('a')).toBe(0);
  });

  it('idle sessions are swept by the timer and disposed; touched ones survive', async () => {
    let now = 0;
    const disposed: string[] = [];
    const t = table({ idleTimeoutMs: 1000, sweepIntervalMs: 5, now: () => now, dispose: (_v, id, reason) => void disposed.push(`${id}:${reason}`) });
    t.add('idle', 'v', agent('a'));
    t.add('busy', 'v', agent('b'));
    now = 900;
    t.touch('busy', 'b');
    now = 1500; // idle: 1500 ms since last seen; busy: 600 ms
    await vi.waitFor(() => expect(disposed).toEqual(['idle:idle']), { timeout: 5000, interval: 5 });
    expect(t.get('busy', 'b')).toBe('v');
    now = 1900;
    await vi.waitFor(() => expect(disposed).toEqual(['idle:idle', 'busy:idle']), { timeout: 5000, interval: 5 });
    expect(t.size).toBe(0);
  });

  it('sweep() uses the clock', () => {
    let now = 0;
    const dispose = vi.fn();
    const t = table({ idleTimeoutMs: 1000, now: () => now, dispose });
    t.add('s1', 'v', agent('a'));
    now = 999;
    expect(t.sweep()).toBe(0);
    now = 1000;
    expect(t.sweep()).toBe(1);
    expect(dispose).toHaveBeenCalledWith('v', 's1', 'idle');
  });

  it('removeWhere closes all sessions of a revoked agent', () => {
    const disposed: string[] = [];
    const t = table({ dispose: (_v, id, reason) => void disposed.push(`${id}:${reason}`) });
    t.add('a1', 'v', agent('agent-a'));
    t.add('a2', 'v', agent('agent-a'));
    t.add('b1', 'v', agent('agent-b'));
    expect(t.removeWhere((entry) => entry.ownerKey === 'agent-a')).toBe(2);
    expect(disposed.sort()).toEqual(['a1:filtered', 'a2:filtered']);
    expect(t.size).toBe(1);
    expect(t.get('b1', 'agent-b')).toBe('v');
    expect(t.countForOwner('agent-a')).toBe(0);
    expect(t.removeWhere((entry) => entry.orgId === 'org-1')).toBe(1);
    expect(t.size).toBe(0);
  });

  it('close() disposes everything; dispose errors (sync or async) are reported, not thrown', async () => {
    const errors: unknown[] = [];
    const t = table<number>({
      dispose: (value) => {
        if (value === 1) throw new Error('sync boom');
        if (value === 2) return Promise.reject(new Error('async boom'));
      },
      onDisposeError: (error) => errors.push(error),
    });
    t.add('1', 1, agent('a'));
    t.add('2', 2, agent('b'));
    t.add('3', 3, agent('c'));
    t.close();
    t.close();
    expect(t.size).toBe(0);
    await vi.waitFor(() => expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async boom', 'sync boom']));
  });

  it('rejects nonsense options', () => {
    expect(() => new SessionTable({ maxPerOwner: -1 })).toThrow(RangeError);
    expect(() => new SessionTable({ idleTimeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('SessionTable caps shared between tables (both transports)', () => {
  it('counts the owner, org and overall caps over every table sharing the counts', () => {
    const counts = new SessionCounts();
    const streamable = table({ maxPerOwner: 2, maxPerOrg: 3, maxTotal: 4, counts });
    const sse = table({ maxPerOwner: 2, maxPerOrg: 3, maxTotal: 4, counts });
    streamable.add('s1', 'v', agent('a'));
    sse.add('e1', 'v', agent('a'));
    expect(limitOf(() => sse.add('e2', 'v', agent('a'))).limit).toBe('owner');
    expect(limitOf(() => streamable.add('s2', 'v', agent('a'))).limit).toBe('owner');
    sse.add('e2', 'v', agent('b'));
    expect(limitOf(() => streamable.add('s3', 'v', agent('c'))).limit).toBe('org');
    streamable.add('s3', 'v', agent('d', 'org-2'));
    expect(limitOf(() => sse.add('e3', 'v', agent('e', 'org-3'))).limit).toBe('total');
    expect([streamable.countAll(), sse.countAll(), streamable.size, sse.size]).toEqual([4, 4, 2, 2]);
    sse.remove('e2');
    expect(streamable.countForOrg('org-1')).toBe(2);
    expect(streamable.countAll()).toBe(3);
  });

  it('an evicting table makes room only by ending a session it holds itself', () => {
    const counts = new SessionCounts();
    const disposed: string[] = [];
    const streamable = table({ maxPerOwner: 2, evictLeastRecentOfOwner: true, counts, dispose: (_v, id) => void disposed.push(id) });
    const sse = table({ maxPerOwner: 2, counts });
    sse.add('e1', 'v', agent('a'));
    sse.add('e2', 'v', agent('a'));
    // Both of the agent's sessions are the other table's: nothing here to evict.
    expect(limitOf(() => streamable.add('s1', 'v', agent('a'))).limit).toBe('owner');
    sse.remove('e2');
    streamable.add('s1', 'v', agent('a'));
    streamable.add('s2', 'v', agent('a'));
    expect(disposed).toEqual(['s1']);
    expect(streamable.countForOwner('a')).toBe(2);
  });
});
