import { PassThrough } from 'node:stream';
import { Handler, runHandler } from '../../src/cli/command';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command handler through the CLI frame (runHandler) with captured stdout/stderr, the way `provisio`
 * would. `during` runs while the command is in flight (for example to press Ctrl-C) and sees stderr so far.
 */
export async function runCommand<O extends { json?: boolean }>(
  handler: Handler<O>,
  options: O,
  env: NodeJS.ProcessEnv,
  during?: (io: { stderr: () => string }) => Promise<void>
): Promise<CommandRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const running = runHandler(handler, options, { stdout, stderr, env });
  if (during) await during({ stderr: () => err });
  const code = await running;
  return { code, stdout: out, stderr: err };
}
