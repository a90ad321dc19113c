/**
 * Exit codes of the provisio CLI. Stable: CI pipelines gate on them.
 * - 0 OK: the command did what it said (for checks: nothing to report).
 * - 1 FINDINGS: the command ran, and what it checked is not clean (doctor findings, review findings, failed validation).
 * - 2 USAGE: bad flags, bad input files, unknown command.
 * - 3 ORG: the org or target could not be reached or refused us (unknown alias, expired session, 401).
 * - 4 FAILED: the command started changing things and could not finish; the message says what was left behind.
 * - 130 INTERRUPTED: Ctrl-C; the message says what was left behind.
 */
export const ExitCode = {
  OK: 0,
  FINDINGS: 1,
  USAGE: 2,
  ORG: 3,
  FAILED: 4,
  INTERRUPTED: 130
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI shows to a person: a message, a machine-readable name, an exit code and what to do next. */
export class ProvisioError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly actions: string[];
  readonly data?: unknown;

  constructor(
    name: string,
    message: string,
    options: { exitCode?: ExitCodeValue; actions?: string[]; data?: unknown; cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.exitCode = options.exitCode ?? ExitCode.FAILED;
    this.actions = options.actions ?? [];
    this.data = options.data;
  }
}

/** Thrown when the user presses Ctrl-C; commands catch it to say what was left behind. */
export class InterruptedError extends ProvisioError {
  constructor(message = 'Interrupted.') {
    super('Interrupted', message, { exitCode: ExitCode.INTERRUPTED });
  }
}

/** Usage error: bad flags or input. */
export function usageError(message: string, actions: string[] = []): ProvisioError {
  return new ProvisioError('UsageError', message, { exitCode: ExitCode.USAGE, actions });
}
