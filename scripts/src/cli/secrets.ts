import { redactor } from './redact';
import { usageError } from './errors';

/**
 * Reads a secret from an environment variable, or else from standard input (one line, or everything piped in).
 * Secrets are never taken from argv, because argv is visible to every user of the machine (`ps`) and lands in
 * shell history. The value is registered with the redactor before it is returned.
 */
export async function readSecret(options: {
  envVar: string;
  what: string;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  prompt?: (text: string) => void;
}): Promise<string> {
  const env = options.env ?? process.env;
  const fromEnv = env[options.envVar];
  if (fromEnv !== undefined && fromEnv !== '') {
    redactor.add(fromEnv);
    return fromEnv;
  }
  const stdin = options.stdin ?? process.stdin;
  if (stdin.isTTY && options.prompt) {
    options.prompt(`Paste the ${options.what} and press Enter (input is not echoed to any report): `);
  }
  const value = await readFirstLine(stdin);
  if (!value) {
    throw usageError(`No ${options.what} given.`, [
      `Set ${options.envVar} in the environment, or pipe it on standard input: printf '%s' "$SECRET" | provisio ...`
    ]);
  }
  redactor.add(value);
  return value;
}

/** Reads standard input up to the first newline (or its end), without keeping the stream open afterwards. */
export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const done = (): void => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.pause();
      resolve(buffer.replace(/\r?\n[\s\S]*$/, '').trim());
    };
    const onData = (chunk: Buffer | string): void => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) done();
    };
    const onEnd = (): void => done();
    const onError = (error: Error): void => reject(error);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}
