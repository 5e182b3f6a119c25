import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('log redaction', () => {
  it('censors secret-bearing keys at any of the first three levels', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info({ password: 'hunter2', body: { token: 'axs_u_secret', nested: { authorization: 'Token t0p' } }, email: 'a@b.c' }, 'x');
    const text = lines.join('');
    expect(text).not.toMatch(/hunter2|axs_u_secret|t0p/);
    expect(text).toContain('a@b.c');
    expect(text.match(/\[redacted\]/g)).toHaveLength(3);
  });
});
