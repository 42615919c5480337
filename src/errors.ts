/**
 * Every failure taskctl reports is one of these classes, and `exitCodeFor` is the one place that
 * turns a failure into an exit code (the contract's table in spec/CLI.md, also `taskctl help exit-codes`).
 */

export const ExitCode = {
  OK: 0,
  API: 1,
  USAGE: 2,
  CONFIG: 3,
  AUTH: 4,
  NOT_FOUND: 5,
  NETWORK: 6,
  PARTIAL: 7,
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** a short suggestion printed in parentheses after the message */
  hint?: string;
  /** the HTTP status, when the failure came from a response */
  status?: number;
  /** the server's own message, printed on a second line */
  serverMessage?: string;
  cause?: unknown;
  /** the command already printed what went wrong (e.g. the multi-id results): no extra error line */
  reported?: boolean;
}

export class TaskctlError extends Error {
  readonly exitCode: number = ExitCode.API;
  hint?: string;
  status?: number;
  serverMessage?: string;
  readonly reported: boolean;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
    this.reported = details.reported ?? false;
  }
}

/** 1: the API answered with an error not covered by the other classes */
export class ApiError extends TaskctlError {
  override readonly exitCode: number = ExitCode.API;
}
/** 2: bad flag, bad JSON, invalid id, schema violation — nothing was sent */
export class UsageError extends TaskctlError {
  override readonly exitCode: number = ExitCode.USAGE;
}
/** 3: no config, unknown profile, missing credential, profile of the wrong provider */
export class ConfigError extends TaskctlError {
  override readonly exitCode: number = ExitCode.CONFIG;
}
/** 4: 401/403 */
export class AuthError extends TaskctlError {
  override readonly exitCode: number = ExitCode.AUTH;
}
/** 5: 404 (or a server quirk that means "not found") */
export class NotFoundError extends TaskctlError {
  override readonly exitCode: number = ExitCode.NOT_FOUND;
}
/** 6: network, timeout or TLS failure */
export class NetworkError extends TaskctlError {
  override readonly exitCode: number = ExitCode.NETWORK;
}
/** 7: some items of a multi-item command failed; the per-item results were already printed */
export class PartialFailure extends TaskctlError {
  override readonly exitCode: number = ExitCode.PARTIAL;
}
/** 130: Ctrl-C */
export class Interrupted extends TaskctlError {
  override readonly exitCode: number = ExitCode.INTERRUPTED;
}
/**
 * A failure whose exit code is chosen by the command (e.g. `task watch` exits 1 when the task was
 * cancelled; a multi-id command exits with the failing class's code when every id failed).
 */
export class ExitWith extends TaskctlError {
  override readonly exitCode: number;
  constructor(code: number, message: string, details: ErrorDetails = {}) {
    super(message, details);
    this.exitCode = code;
  }
}

/** Exit code for an HTTP status: the contract's mapping (2xx → 0, 401/403 → 4, 404 → 5, other → 1). */
export function exitCodeForStatus(status: number): number {
  if (status >= 200 && status < 300) return ExitCode.OK;
  if (status === 401 || status === 403) return ExitCode.AUTH;
  if (status === 404) return ExitCode.NOT_FOUND;
  return ExitCode.API;
}

/** Builds the typed error for a failed HTTP response. */
export function errorForStatus(status: number, message: string, details: Omit<ErrorDetails, 'status'> = {}): TaskctlError {
  const d = { ...details, status };
  if (status === 401 || status === 403) return new AuthError(message, d);
  if (status === 404) return new NotFoundError(message, d);
  return new ApiError(message, d);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof TaskctlError) return err.exitCode;
  return ExitCode.API;
}
