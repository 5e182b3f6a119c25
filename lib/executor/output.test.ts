import { describe, expect, it } from 'vitest';
import { capOutput, redact } from './output';

describe('capOutput', () => {
  it("keeps content, structured content and the upstream's _meta of a result that fits", () => {
    const out = capOutput({ content: [{ type: 'text', text: 'hi' }], structuredContent: { n: 1 }, _meta: { 'example/trace': 'abc' } }, 10_000);
    expect(out).toMatchObject({ content: [{ type: 'text', text: 'hi' }], structuredContent: { n: 1 }, meta: { 'example/trace': 'abc' }, isError: false, truncated: false });
  });

  it('ignores a _meta that is not an object', () => {
    expect(capOutput({ content: [], _meta: ['x'] }, 10_000).meta).toBeUndefined();
  });

  it('cuts a result past the cap, and one that loses its structured content becomes an error result', () => {
    const big = { type: 'text', text: 'x'.repeat(2_000) };
    const plain = capOutput({ content: [{ type: 'text', text: 'first' }, big], _meta: { k: 'v' } }, 1_000);
    expect(plain).toMatchObject({ isError: false, truncated: true });
    expect(plain.content).toHaveLength(2);
    expect(plain.content[0]).toEqual({ type: 'text', text: 'first' });
    expect(plain.meta).toBeUndefined();

    const structured = capOutput({ content: [big], structuredContent: { rows: 'y'.repeat(2_000) } }, 1_000);
    expect(structured).toMatchObject({ isError: true, truncated: true, structureDropped: true });
    expect(plain.structureDropped).toBeUndefined();
    expect(structured.structuredContent).toBeUndefined();
    expect((structured.content.at(-1) as { text: string }).text).toContain('structured content was left out');
  });

  it('redacts credentials in _meta as everywhere else', () => {
    const out = capOutput(redact({ content: [], _meta: { echoed: 'Bearer s3cret-token' } }, ['s3cret-token']), 10_000);
    expect(out.meta).toEqual({ echoed: 'Bearer [REDACTED]' });
  });
});
