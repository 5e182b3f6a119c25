import { describe, expect, it } from 'vitest';
import { readRunQuery, runListHref, utcFromLocalInput } from './filters';

const ENV = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const AGENT = '0b7f8d2e-4c1a-4f7e-9a55-3d2f1e6c8b90';

describe('runs list query', () => {
  it('reads datetime-local values as UTC', () => {
    expect(utcFromLocalInput('2026-11-24T10:15')).toBe('2026-11-24T10:15:00Z');
    expect(utcFromLocalInput('2026-11-24T10:15:30')).toBe('2026-11-24T10:15:30Z');
    expect(utcFromLocalInput('2026-11-24')).toBe('2026-11-24T00:00:00Z');
    expect(utcFromLocalInput('2026-11-24T10:15:00+02:00')).toBe('2026-11-24T10:15:00+02:00');
  });

  it('checks filters with the API schema, scoped to the environment, empty ones dropped', () => {
    const q = readRunQuery({ status: 'failed', agent_id: AGENT, tool_id: '', since: '2026-11-24T10:00', cursor: 'abc' }, ENV, 50);
    expect(q.errors).toEqual({});
    expect(q.values).toEqual({ status: 'failed', agent_id: AGENT, since: '2026-11-24T10:00' });
    expect(q.filters).toMatchObject({ status: 'failed', agent_id: AGENT, environment_id: ENV, since: '2026-11-24T10:00:00Z', cursor: 'abc', page_size: 50 });
  });

  it('names bad filters and refuses a range that ends before it starts', () => {
    expect(Object.keys(readRunQuery({ status: 'maybe', agent_id: 'bot' }, ENV, 50).errors).sort()).toEqual(['agent_id', 'status']);
    const reversed = readRunQuery({ since: '2026-11-24T10:00', until: '2026-11-24T09:00' }, ENV, 50);
    expect(reversed.filters).toBeNull();
    expect(reversed.errors.until).toEqual(['Must not be before From']);
  });

  it('keeps the filters on the next page link', () => {
    expect(runListHref('/orgs/o/runs', { status: 'failed', agent_id: AGENT }, 'c1')).toBe(`/orgs/o/runs?status=failed&agent_id=${AGENT}&cursor=c1`);
    expect(runListHref('/orgs/o/runs', {})).toBe('/orgs/o/runs');
  });
});
