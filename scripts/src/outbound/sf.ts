import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, ProvisioError } from '../cli/errors';

/** Runs an sf CLI command with `--json` and resolves to its parsed `result`; injectable for tests. */
export type SfRunner = (args: string[], options?: { cwd?: string; signal?: AbortSignal }) => Promise<unknown>;

/** The sf CLI: the project's own (node_modules/.bin/sf, installed by npm ci) or one on PATH. */
export function sfBinary(): string {
  const local = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'sf');
  return existsSync(local) ? local : 'sf';
}

/** The real runner: spawns sf, never through a shell, and maps its JSON error envelope to a ProvisioError. */
export const runSf: SfRunner = (args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(sfBinary(), [...args, '--json'], {
      cwd: options.cwd,
      env: { ...process.env, SF_DISABLE_TELEMETRY: 'true', SF_AUTOUPDATE_DISABLE: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) =>
      reject(
        new ProvisioError('SfCliMissing', `Could not run the sf CLI (${error.message}).`, {
          exitCode: ExitCode.USAGE,
          actions: ['Run npm ci in the project (it installs @salesforce/cli), or install sf globally.']
        })
      )
    );
    child.on('close', (code) => {
      let parsed: { status?: number; result?: unknown; message?: string; name?: string } | undefined;
      try {
        parsed = JSON.parse(stdout) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      if (code === 0 && parsed) {
        resolve(parsed.result);
        return;
      }
      const failures = describeFailures(parsed?.result);
      reject(
        new ProvisioError(
          parsed?.name ?? 'SfCliFailed',
          `sf ${args.slice(0, 3).join(' ')} failed: ${parsed?.message ?? (stderr.trim() || `exit code ${String(code)}`)}` +
            (failures ? `\n${failures}` : ''),
          { exitCode: ExitCode.FAILED, data: parsed?.result }
        )
      );
    });
  });

/** Component failures of a deploy result, one per line (`Type Name: problem`). */
function describeFailures(result: unknown): string {
  const details = (result as { details?: { componentFailures?: unknown } } | undefined)?.details?.componentFailures;
  const list = Array.isArray(details) ? details : details ? [details] : [];
  return list
    .map(
      (f: { componentType?: string; fullName?: string; problem?: string }) =>
        `  ${f.componentType ?? ''} ${f.fullName ?? ''}: ${f.problem ?? ''}`
    )
    .join('\n');
}
