import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** One problem a gate found, always pinned to a file so the message names it. */
export interface Finding {
  file: string;
  line?: number;
  column?: number;
  rule?: string;
  message: string;
}

/** Result of one gate run: what it looked at and what it found. */
export interface GateResult {
  gate: string;
  checked: number;
  findings: Finding[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.sf', '.sfdx', 'dist', 'coverage', '.tmp']);

/** Lists files below `dir` whose names end with one of `endings`, skipping build and dependency folders. */
export function listFiles(dir: string, endings: string[]): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(current);
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      if (SKIP_DIRS.has(name)) continue;
      const full = join(current, name);
      const stats = statSync(full);
      if (stats.isDirectory()) walk(full);
      else if (endings.some((ending) => name.endsWith(ending))) out.push(full);
    }
  };
  walk(resolve(dir));
  return out;
}

/** `file:line:col: [rule] message`, with the file relative to `root` so it can be clicked in an editor. */
export function formatFinding(root: string, finding: Finding): string {
  const file = relative(root, finding.file) || finding.file;
  const where = [file, finding.line, finding.column].filter((part) => part !== undefined).join(':');
  const rule = finding.rule ? ` [${finding.rule}]` : '';
  return `${where}:${rule} ${finding.message}`;
}

/** Prints a gate's result and returns the process exit code for it (0 clean, 1 findings). */
export function report(root: string, result: GateResult): number {
  for (const finding of result.findings) console.log(formatFinding(root, finding));
  const verdict = result.findings.length === 0 ? 'ok' : `${result.findings.length} finding(s)`;
  console.log(`${result.gate}: ${result.checked} file(s) checked, ${verdict}`);
  return result.findings.length === 0 ? 0 : 1;
}

/** The project root a gate works on: the first CLI argument, else the current directory. */
export function projectRootFromArgs(argv: string[]): string {
  return resolve(argv[2] ?? process.cwd());
}

/** Runs a gate's main function, turning an unexpected crash into a clear message and exit code 2. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 2;
    }
  );
}

/** This repository's root (scripts/dist/gates/*.js → three levels up): where node_modules and the tools are. */
export const TOOL_ROOT = resolve(__dirname, '..', '..', '..');
