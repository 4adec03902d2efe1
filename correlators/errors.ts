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
  | 'RL_ERR_TEMPLATE_INVALID';

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

export const ERROR_CLASSES = { InputError, NotFoundError, SourceUnavailableError, SourceQueryError, ConfigError, TemplateError };
