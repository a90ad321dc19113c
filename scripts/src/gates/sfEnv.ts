import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Environment for running the sf CLI from the gates and tests: its state (HOME, XDG folders) goes into a folder
 * of ours, never the user's; telemetry, update checks and the OS keychain are off.
 */
export function sfEnvironment(stateDir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const home = resolve(stateDir);
  for (const sub of ['', '.config', '.cache', '.local/share']) mkdirSync(join(home, sub), { recursive: true });
  return {
    ...base,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local/share'),
    SF_DISABLE_TELEMETRY: 'true',
    SFDX_DISABLE_TELEMETRY: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SFDX_AUTOUPDATE_DISABLE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_AUTOUPDATE: 'true',
    NO_COLOR: '1'
  };
}

/** The sf CLI executable installed in this project's node_modules. */
export function sfExecutable(toolRoot: string): string {
  return join(toolRoot, 'node_modules', '.bin', 'sf');
}
