import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The sf executable: PROVISIO_SF_BIN, else the project's local install, else `sf` on the PATH. */
export function sfBinary(env: NodeJS.ProcessEnv): string {
  if (env.PROVISIO_SF_BIN) return env.PROVISIO_SF_BIN;
  const local = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'sf');
  return existsSync(local) ? local : 'sf';
}

/**
 * Opens a Setup page in the browser with `sf org open --path <path> --target-org <org>`. The sf CLI builds a
 * frontdoor URL (a session) for it, so nothing it prints is shown; only whether it worked.
 */
export function openOrgPage(
  path: string,
  targetOrg: string | undefined,
  env: NodeJS.ProcessEnv
): Promise<{ opened: boolean; detail: string }> {
  const args = ['org', 'open', '--path', path, ...(targetOrg ? ['--target-org', targetOrg] : [])];
  return new Promise((resolve) => {
    const child = spawn(sfBinary(env), args, { stdio: 'ignore', env });
    child.on('error', (error) => resolve({ opened: false, detail: `could not run sf: ${error.message}` }));
    child.on('exit', (code) =>
      resolve(
        code === 0
          ? { opened: true, detail: `opened ${path}` }
          : { opened: false, detail: `sf org open exited ${code}` }
      )
    );
  });
}
