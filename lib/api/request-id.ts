import { randomUUID } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** A caller-supplied X-Request-Id is kept when it is harmless, so traces join up across hops. */
export function requestIdOf(req: Request): string {
  const given = req.headers.get('x-request-id');
  return given && SAFE_ID.test(given) ? given : randomUUID();
}
