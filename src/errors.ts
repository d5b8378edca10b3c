/**
 * The error vocabulary of aiops-bot. Every error that crosses a module boundary carries one of these
 * codes; entry points (HTTP handlers, the CLI) map codes to answers in one place each.
 */
export enum ErrorCode {
  ConfigInvalid = 'aiops_config_invalid',
  InvalidJson = 'aiops_invalid_json',
  SchemaViolation = 'aiops_schema_violation',
  UnsupportedPayload = 'aiops_unsupported_payload',
  Unauthorized = 'aiops_unauthorized',
  Forbidden = 'aiops_forbidden',
  PayloadTooLarge = 'aiops_payload_too_large',
  NotFound = 'aiops_not_found',
  DatabaseUnavailable = 'aiops_database_unavailable',
  BadUsage = 'aiops_bad_usage',
  /** No fix PR can be made: the service is not mapped, a file is missing or does not parse, validation failed. */
  FixUnavailable = 'aiops_fix_unavailable',
  Unknown = 'aiops_unknown_error',
}

export interface CodedError extends Error {
  code: ErrorCode;
}

export class AiopsError extends Error implements CodedError {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request body or file that is not what the contract says; `field` names the offending path. */
export class ValidationError extends AiopsError {
  constructor(
    code: ErrorCode.InvalidJson | ErrorCode.SchemaViolation | ErrorCode.UnsupportedPayload,
    message: string,
    public readonly field?: string,
  ) {
    super(code, message);
  }
}

export class ConfigError extends AiopsError {
  constructor(message: string) {
    super(ErrorCode.ConfigInvalid, message);
  }
}

/**
 * The database cannot be reached (down, restarting, network): nothing was done, retry later. The pg
 * backend throws this for every connection-class failure, so callers can tell an outage from a bug.
 */
export class DatabaseUnavailableError extends AiopsError {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      ErrorCode.DatabaseUnavailable,
      reason ? `database unavailable: ${reason}` : 'database unavailable',
      {
        cause,
      },
    );
  }
}

/** Connection-class failures (server down, restarting, network): the caller should retry later. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code))
      return true;
    // SQLSTATE class 08 (connection exception), 57P01..57P03 (admin shutdown, crash, cannot connect now).
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return true;
  }
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** True when `error`, or an error it wraps, is the database being unreachable (not a failure of the work). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof DatabaseUnavailableError) return true;
    current = current.cause;
  }
  return false;
}

export function asCodedError(error: unknown): CodedError {
  if (error instanceof AiopsError) return error;
  if (isConnectionError(error)) return new DatabaseUnavailableError(error);
  const wrapped = new AiopsError(ErrorCode.Unknown, error instanceof Error ? error.message : String(error), {
    cause: error,
  });
  return wrapped;
}
