import { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { Handler, runHandler } from '../../src/cli/command';
import { Emulator, startEmulator } from '../../src/emulator/server';
import { createEmulatorOrgAlias } from '../../src/emulator/sfAuth';
import { tempSfHome } from './sfHome';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed --json envelope (when the run used json). */
  json: {
    status: number;
    result: Record<string, unknown>;
    name?: string;
    message?: string;
    warnings: string[];
  } & Record<string, unknown>;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    }
  });
  return { stream, text: () => chunks.join('') };
}

/** An emulator with an sf CLI alias in a temporary HOME, and a way to run command handlers against it. */
export class Harness {
  emulator!: Emulator;
  readonly alias = 'emu';
  private home?: { home: string; restore: () => void };

  async start(): Promise<this> {
    this.emulator = await startEmulator();
    this.home = tempSfHome();
    await createEmulatorOrgAlias(this.emulator, this.alias);
    return this;
  }

  async stop(): Promise<void> {
    this.home?.restore();
    await this.emulator.close();
  }

  get state(): Emulator['state'] {
    return this.emulator.state;
  }

  /** Runs a handler like the CLI does (`runHandler`), capturing stdout/stderr; `stdin` text is piped in. */
  async run<O extends { json?: boolean; targetOrg?: string }>(
    handler: Handler<O>,
    options: Omit<O, 'targetOrg'> & { targetOrg?: string },
    io: { env?: NodeJS.ProcessEnv; stdin?: string } = {}
  ): Promise<Run> {
    const out = sink();
    const err = sink();
    const stdin = Readable.from(io.stdin === undefined ? [] : [io.stdin]) as Readable & { isTTY?: boolean };
    const code = await runHandler(handler, { targetOrg: this.alias, ...options } as O, {
      stdout: out.stream,
      stderr: err.stream,
      env: { NO_COLOR: '1', ...(io.env ?? {}) },
      stdin
    });
    let json = {} as Run['json'];
    if (options.json) json = JSON.parse(out.text()) as Run['json'];
    return { code, stdout: out.text(), stderr: err.text(), json };
  }
}
