/**
 * Typed errors of rootline. They know nothing about HTTP: `server/http-errors.ts` maps `code` to a
 * status in one place. Callers branch on `code`, never on `instanceof`.
 */

export type ErrorCode =
  | 'RL_ERR_INPUT_INVALID'
  | 'RL_ERR_NOT_FOUND'
  | 'RL_ERR_SOURCE_UNAVAILABLE'
  | 'RL_ERR_SOURCE_QUERY'
  | 'RL_ERR_CONFIG_INVALID'
  | 'RL_ERR_TEMPLATE_INVALID'
  | 'RL_ERR_AUTH_REQUIRED'
  | 'RL_ERR_AUTH_FORBIDDEN'
  | 'RL_ERR_LIMIT_BUSY'
  | 'RL_ERR_LIMIT_TIME'
  | 'RL_ERR_SERVER_UNAVAILABLE';

/** Base class: keeps the `cause` and appends its message, so a log line tells the whole story. */
export abstract class RootlineError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    const causeMessage = options?.cause instanceof Error ? options.cause.message : undefined;
    super(causeMessage ? `${message}; caused by ${causeMessage}` : message, options);
    this.name = new.target.name;
  }
}

/** Something the user gave us (a flag, a request body, a window) is wrong; the message says how to fix it. */
export class InputError extends RootlineError {
  readonly code = 'RL_ERR_INPUT_INVALID' as const;
}

/** An analysis, a session or a file that was asked for does not exist. */
export class NotFoundError extends RootlineError {
  readonly code = 'RL_ERR_NOT_FOUND' as const;
}

/** A source (Prometheus, Elasticsearch, a folder) could not be reached or read at all. */
export class SourceUnavailableError extends RootlineError {
  readonly code = 'RL_ERR_SOURCE_UNAVAILABLE' as const;
  constructor(readonly source: string, message: string, options?: { cause?: unknown }) {
    super(`source ${source}: ${message}`, options);
  }
}

/** A source answered, but one query failed (bad PromQL, a rejected Elasticsearch aggregation). */
export class SourceQueryError extends RootlineError {
  readonly code = 'RL_ERR_SOURCE_QUERY' as const;
  constructor(readonly source: string, readonly query: string, message: string, options?: { cause?: unknown }) {
    super(`source ${source}: query ${JSON.stringify(query)} failed: ${message}`, options);
  }
}

/** Server or CLI configuration is invalid; raised at start-up, listing every problem. */
export class ConfigError extends RootlineError {
  readonly code = 'RL_ERR_CONFIG_INVALID' as const;
}

/** A user template directory lacks a template or a template does not compile. */
export class TemplateError extends RootlineError {
  readonly code = 'RL_ERR_TEMPLATE_INVALID' as const;
}

/** No access token, or one that is not configured: the message says how to send one. */
export class AuthRequiredError extends RootlineError {
  readonly code = 'RL_ERR_AUTH_REQUIRED' as const;
}

/** A valid token whose role does not allow this request (a read-only token on a write). */
export class ForbiddenError extends RootlineError {
  readonly code = 'RL_ERR_AUTH_FORBIDDEN' as const;
}

/** Too much work queued (analyses): the client should retry after `retryAfterS` seconds. */
export class BusyError extends RootlineError {
  readonly code = 'RL_ERR_LIMIT_BUSY' as const;
  readonly retryAfterS: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterS?: number }) {
    super(message, options);
    this.retryAfterS = options?.retryAfterS ?? 1;
  }
}

/** An analysis ran past its time budget and was cancelled. */
export class TimeBudgetError extends RootlineError {
  readonly code = 'RL_ERR_LIMIT_TIME' as const;
}

/** The server cannot take this now (shutting down, connection cap reached); retry after `retryAfterS` seconds. */
export class ServerUnavailableError extends RootlineError {
  readonly code = 'RL_ERR_SERVER_UNAVAILABLE' as const;
  readonly retryAfterS: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterS?: number }) {
    super(message, options);
    this.retryAfterS = options?.retryAfterS ?? 5;
  }
}

export const ERROR_CLASSES = {
  InputError,
  NotFoundError,
  SourceUnavailableError,
  SourceQueryError,
  ConfigError,
  TemplateError,
  AuthRequiredError,
  ForbiddenError,
  BusyError,
  TimeBudgetError,
  ServerUnavailableError,
};
