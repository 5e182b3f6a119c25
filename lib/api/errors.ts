// The one error type of the application. Services throw AppError; the route wrapper maps its code
// to an HTTP status and the body {"error": {code, message, details}} (ARCHITECTURE.md).
export const ERROR_STATUS = {
  invalid_input: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  unavailable: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorDetails = Record<string, unknown>;

export class AppError extends Error {
  /** The organization a refusal happened in, so the route wrapper can audit it there. */
  orgId?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') =>
  new AppError('forbidden', message);
export const unauthenticated = (message = 'Authentication required') =>
  new AppError('unauthenticated', message, {}, { 'WWW-Authenticate': 'Bearer' });
export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests') =>
  new AppError(
    'rate_limited',
    message,
    { retry_after: retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );

/** Field errors in the shape every 400 uses: {fields: {"a.b": ["message", ...]}}. */
export function invalidInput(fields: Record<string, string[]>, message = 'Invalid input'): AppError {
  return new AppError('invalid_input', message, { fields });
}

interface DbErrorLike {
  code?: string;
  constraint_name?: string;
  constraint?: string;
  detail?: string;
  cause?: unknown;
}

/** Finds the Postgres error (SQLSTATE code) under driver and ORM wrappers. */
function findDbError(error: unknown): DbErrorLike | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as DbErrorLike;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/**
 * Turns constraint violations that reach the route into 409/400 answers. Services check the
 * common cases themselves with friendlier messages; this is the backstop for races.
 */
export function fromDatabaseError(error: unknown): AppError | undefined {
  const dbError = findDbError(error);
  if (!dbError) return undefined;
  const constraint = dbError.constraint_name ?? dbError.constraint;
  const details = constraint ? { constraint } : {};
  switch (dbError.code) {
    case '23505':
      return new AppError('conflict', 'A record with these values already exists', details);
    case '23503':
      return new AppError('invalid_input', 'A referenced record does not exist', details);
    case '23514':
    case '23502':
      return new AppError('invalid_input', 'The values break a data constraint', details);
    case '22P02':
      return new AppError('invalid_input', 'A value has the wrong format', details);
    // Text and JSON may not hold the NUL character (\u0000) in Postgres.
    case '22P05':
    case '22021':
      return new AppError('invalid_input', 'A value contains a character that cannot be stored (NUL)', details);
    default:
      return undefined;
  }
}

/** The public body of an error response. */
export function errorBody(error: AppError, requestId?: string) {
  return {
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      ...(requestId ? { request_id: requestId } : {}),
    },
  };
}
