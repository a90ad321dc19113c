import { ExitCodeValue, ProvisioError } from './errors';
import { redactor } from './redact';

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';
const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39]
};

export interface OutputOptions {
  json: boolean;
  stdout?: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/** Text of a table cell: strings as they are, objects as JSON, nothing for null/undefined. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? '';
}

/** Whether colours are used: never with NO_COLOR, never when the stream is not a terminal, never with --json. */
export function colorEnabled(stream: unknown, env: NodeJS.ProcessEnv, json: boolean): boolean {
  if (json || env.NO_COLOR !== undefined || env.TERM === 'dumb') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean((stream as { isTTY?: boolean }).isTTY);
}

/**
 * Everything a command says goes through here. In human mode: text on stdout, progress and warnings on stderr,
 * colours only on a terminal. In `--json` mode: nothing but one JSON document on stdout, `{status, result}` or
 * `{status, name, message, exitCode, actions}`, as the sf CLI does. Every string is passed through the redactor.
 */
export class Output {
  readonly json: boolean;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream;
  private readonly color: boolean;
  private readonly interactive: boolean;
  private spinnerTimer?: NodeJS.Timeout;
  private spinnerText = '';
  private readonly warnings: string[] = [];

  constructor(options: OutputOptions) {
    const env = options.env ?? process.env;
    this.json = options.json;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.color = colorEnabled(this.stdout, env, this.json);
    this.interactive = !this.json && Boolean((this.stderr as { isTTY?: boolean }).isTTY) && env.CI === undefined;
  }

  /** Applies a style when colours are on. */
  style(style: Style, text: string): string {
    if (!this.color) return text;
    const [open, close] = CODES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** A line of human output (suppressed in --json mode). */
  log(text = ''): void {
    if (this.json) return;
    this.stopSpinnerLine();
    this.stdout.write(`${redactor.redact(text)}\n`);
  }

  /** A warning on stderr; in --json mode it is collected into the `warnings` array of the result. */
  warn(text: string): void {
    const clean = redactor.redact(text);
    if (this.json) {
      this.warnings.push(clean);
      return;
    }
    this.stopSpinnerLine();
    this.stderr.write(`${this.style('yellow', 'Warning:')} ${clean}\n`);
  }

  /** Prints rows as an aligned table (human mode). */
  table(rows: Array<Record<string, unknown>>, columns: string[]): void {
    if (this.json) return;
    const cells = rows.map((row) => columns.map((column) => redactor.redact(cellText(row[column]))));
    const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i].length)));
    const line = (parts: string[]): string =>
      parts
        .map((part, i) => part.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    this.log(this.style('bold', line(columns.map((column) => column.toUpperCase()))));
    for (const row of cells) this.log(line(row));
  }

  /** Starts (or retitles) a progress spinner on stderr; a plain line when stderr is not a terminal. */
  spin(text: string): void {
    if (this.json) return;
    this.spinnerText = redactor.redact(text);
    if (!this.interactive) {
      this.stderr.write(`${this.spinnerText}...\n`);
      return;
    }
    if (this.spinnerTimer) return;
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let frame = 0;
    this.spinnerTimer = setInterval(() => {
      this.stderr.write(`\r\u001b[2K${frames[frame++ % frames.length]} ${this.spinnerText}`);
    }, 80);
    this.spinnerTimer.unref();
  }

  /** Stops the spinner, printing its final state. */
  stopSpin(status = 'done'): void {
    if (this.json) return;
    if (this.spinnerTimer) {
      clearInterval(this.spinnerTimer);
      this.spinnerTimer = undefined;
      this.stderr.write(`\r\u001b[2K${this.spinnerText}... ${status}\n`);
    }
  }

  private stopSpinnerLine(): void {
    if (this.spinnerTimer) this.stderr.write('\r\u001b[2K');
  }

  /** Emits the successful result: the JSON envelope in --json mode, nothing more in human mode. */
  success(result: unknown, exitCode: ExitCodeValue = 0): void {
    this.stopSpin();
    if (this.json) {
      const envelope = { status: exitCode, result: redactor.redactValue(result), warnings: this.warnings };
      this.stdout.write(`${JSON.stringify(envelope, null, 2)}\n`);
    }
  }

  /** Emits an error: the JSON envelope in --json mode, or the message and next steps on stderr. */
  failure(error: unknown): ExitCodeValue {
    this.stopSpin('failed');
    const known = error instanceof ProvisioError ? error : undefined;
    const exitCode = known?.exitCode ?? 4;
    const name = known?.name ?? (error instanceof Error ? error.name : 'Error');
    const message = redactor.redact(error instanceof Error ? error.message : String(error));
    const actions = (known?.actions ?? []).map((action) => redactor.redact(action));
    if (this.json) {
      const envelope = {
        status: exitCode,
        name,
        message,
        exitCode,
        actions,
        data: known?.data === undefined ? undefined : redactor.redactValue(known.data),
        warnings: this.warnings
      };
      this.stdout.write(`${JSON.stringify(envelope, null, 2)}\n`);
    } else {
      this.stderr.write(`${this.style('red', `Error (${name}):`)} ${message}\n`);
      for (const action of actions) this.stderr.write(`  ${this.style('cyan', 'Try this:')} ${action}\n`);
    }
    return exitCode;
  }
}
