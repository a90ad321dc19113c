import { Command, Option } from 'commander';
import { ExitCode, ExitCodeValue, InterruptedError, ProvisioError } from './errors';
import { Output } from './output';

/** What every command handler gets: the output channel, an abort signal tied to Ctrl-C, and its environment. */
export interface CommandContext {
  out: Output;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Registers a cleanup note: printed if the command is interrupted or fails after making changes. */
  leftBehind: (note: string) => void;
}

/** What a handler returns: the machine-readable result and, optionally, a non-zero exit code (findings). */
export interface CommandOutcome {
  result: unknown;
  exitCode?: ExitCodeValue;
}

export type Handler<O> = (options: O, context: CommandContext) => Promise<CommandOutcome>;

/** Adds `--json` to a command. Every command has it. */
export function withJson(command: Command): Command {
  return command.option('--json', 'Format output as JSON (one document on stdout).', false);
}

/** Adds the sf CLI's org flags: `-o/--target-org` (an alias or username from `sf org login`) and `--api-version`. */
export function withOrgFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-o, --target-org <alias>',
        'Username or alias of an org authenticated with `sf org login` (default: the sf CLI target-org).'
      )
    )
    .option('--api-version <version>', 'Override the API version used for requests (for example 66.0).');
}

/**
 * Wraps a handler: builds the Output, turns Ctrl-C into an abort signal (a second Ctrl-C exits at once), and maps
 * every error to a message and an exit code. Returns the exit code instead of exiting, so tests can call it.
 */
export async function runHandler<O extends { json?: boolean }>(
  handler: Handler<O>,
  options: O,
  io: {
    stdout?: NodeJS.WritableStream;
    stderr?: NodeJS.WritableStream;
    env?: NodeJS.ProcessEnv;
    stdin?: CommandContext['stdin'];
  } = {}
): Promise<ExitCodeValue> {
  const env = io.env ?? process.env;
  const out = new Output({ json: Boolean(options.json), stdout: io.stdout, stderr: io.stderr, env });
  const controller = new AbortController();
  const notes: string[] = [];
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.INTERRUPTED);
    out.warn('Interrupt received: finishing the current step and stopping (press Ctrl-C again to quit at once).');
    controller.abort(new InterruptedError());
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await handler(options, {
      out,
      signal: controller.signal,
      env,
      stdin: io.stdin ?? process.stdin,
      leftBehind: (note) => notes.push(note)
    });
    const code = outcome.exitCode ?? ExitCode.OK;
    out.success(outcome.result, code);
    return code;
  } catch (error) {
    const enriched =
      notes.length > 0 && error instanceof ProvisioError
        ? new ProvisioError(error.name, `${error.message}\nLeft behind:\n${notes.map((n) => `  - ${n}`).join('\n')}`, {
            exitCode: error.exitCode,
            actions: error.actions,
            data: { ...(typeof error.data === 'object' ? error.data : {}), leftBehind: notes }
          })
        : error;
    return out.failure(enriched);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** Throws the abort reason if Ctrl-C was pressed; call between steps of long commands. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new InterruptedError();
  }
}
