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
  /** SIGTERM (what CI sends on cancel): 128 + 15, as shells report it */
  TERMINATED: 143,
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
  /** the request was sent but its answer never arrived: the server may have applied it */
  maybeApplied?: boolean;
}

export class TaskctlError extends Error {
  readonly exitCode: number = ExitCode.API;
  hint?: string;
  status?: number;
  serverMessage?: string;
  readonly reported: boolean;
  maybeApplied: boolean;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
    this.status = details.status;
    this.serverMessage = details.serverMessage;
    this.reported = details.reported ?? false;
    this.maybeApplied = details.maybeApplied ?? false;
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
/** 130: Ctrl-C (143: SIGTERM). The run's stop signal carries one as its reason, so every report uses its code. */
export class Interrupted extends TaskctlError {
  override readonly exitCode: number;
  constructor(message: string, details: ErrorDetails & { exitCode?: number } = {}) {
    super(message, details);
    this.exitCode = details.exitCode ?? ExitCode.INTERRUPTED;
  }
}

/**
 * A request taskctl did not send because the run was told to stop (Ctrl-C, SIGTERM) first: the server
 * never saw it. The multi-id runner reports its id as `not sent`.
 */
export class NotSent extends Interrupted {}

/** The exit code a stopped run ends with: 130 for Ctrl-C, 143 for SIGTERM (the stop signal's reason says which). */
export function interruptCode(signal: AbortSignal): number {
  const code = (signal.reason as { exitCode?: unknown } | undefined)?.exitCode;
  return code === ExitCode.TERMINATED ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
}

/** The failure a stopped run ends with: "interrupted" (130) or "terminated (SIGTERM)" (143). */
export function stoppedError(signal: AbortSignal, details: ErrorDetails = {}, message?: string): Interrupted {
  const exitCode = interruptCode(signal);
  return new Interrupted(message ?? (exitCode === ExitCode.TERMINATED ? 'terminated (SIGTERM)' : 'interrupted'), { ...details, exitCode });
}

/**
 * `-` read no ids at all (an empty pipe): not an error. Nothing is sent, stderr says so, the exit code is
 * 0 and --json prints an empty report. A failing step upstream shows through `set -o pipefail`.
 */
export class NoIds extends TaskctlError {
  override readonly exitCode: number = ExitCode.OK;
  /** `emptyReport` false: the command has no per-id report (a create from an empty pipe), so --json prints nothing */
  constructor(
    message: string,
    readonly emptyReport = true,
  ) {
    super(message);
  }
}

/** The hint every possibly-applied failure carries: a blind retry could do it twice. */
export const MAYBE_APPLIED_HINT = 'the server may have applied it: check before retrying';

/** Whether a failure is the user's wish to stop (a closed prompt counts: @inquirer's ExitPromptError / AbortPromptError). */
export function isPromptCancel(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
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
