// For tests of stores that must fail fast: runs `fn` and answers how long it took to reject, with
// the error (and fails the test when it does not reject at all).
export async function rejection(fn: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await fn();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected a rejection');
}
