import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AuthInfo, StateAggregator } from '@salesforce/core';
import { Emulator } from './server';

const SF_ENV: Record<string, string> = {
  SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
  SF_DISABLE_TELEMETRY: 'true',
  SF_AUTOUPDATE_DISABLE: 'true',
  SF_SKIP_NEW_VERSION_CHECK: 'true',
  SF_DISABLE_LOG_FILE: 'true'
};

/** Environment variables that point the sf CLI / @salesforce/core at a private HOME (for child processes). */
export function sfHomeEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    USERPROFILE: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    ...SF_ENV
  };
}

/**
 * Points this process's sf CLI state (~/.sfdx, ~/.sf) at a fresh temporary HOME, so emulator orgs never touch the
 * user's real auth files. Returns the directory and a function that restores the previous environment.
 */
export function useTempSfHome(home: string = mkdtempSync(join(tmpdir(), 'provisio-sf-'))): {
  home: string;
  restore: () => void;
} {
  const env = sfHomeEnv(home);
  // An empty alias store up front: core creates it lazily, but only after an `instanceof Error` check that fails
  // across realms (jest), so creating it here makes the behaviour the same everywhere.
  mkdirSync(join(home, '.sfdx'), { recursive: true });
  if (!existsSync(join(home, '.sfdx', 'alias.json'))) {
    writeFileSync(join(home, '.sfdx', 'alias.json'), JSON.stringify({ orgs: {} }));
  }
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  StateAggregator.clearInstance();
  return {
    home,
    restore: () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      StateAggregator.clearInstance();
    }
  };
}

/**
 * Makes an sf-CLI org alias for the emulator, exactly as `sf org login access-token` would: a session for the
 * given user (default: the seeded admin), `AuthInfo.create({accessTokenOptions})`, `save()`, and the alias.
 * Call `useTempSfHome()` first: this writes `$HOME/.sfdx/<username>.json` and `alias.json`.
 */
export async function createEmulatorOrgAlias(
  emulator: Emulator,
  alias: string,
  userId: string = emulator.state.adminUserId
): Promise<{ alias: string; username: string; accessToken: string }> {
  const accessToken = emulator.state.openSession(userId, 'seed');
  const user = emulator.state.db.get('User', userId);
  if (!user) throw new Error(`The emulator has no user ${userId}`);
  // An empty auth file up front, for the same cross-realm reason as alias.json (core's ENOENT check in
  // ConfigFile.write uses instanceof Error and would otherwise leave the file locked under jest).
  const authFile = join(homedir(), '.sfdx', `${String(user.Username)}.json`);
  mkdirSync(dirname(authFile), { recursive: true });
  if (!existsSync(authFile)) writeFileSync(authFile, '{}');
  // The sf CLI stores instanceUrl with a trailing slash; requests then arrive with `//services`, which the
  // emulator accepts.
  const instanceUrl = `${emulator.url}/`;
  const authInfo = await AuthInfo.create({ accessTokenOptions: { accessToken, instanceUrl, loginUrl: instanceUrl } });
  await authInfo.save();
  const username = authInfo.getUsername();
  if (!username) throw new Error('The emulator login produced no username');
  const stateAggregator = await StateAggregator.getInstance();
  await stateAggregator.aliases.setAndSave(alias, username);
  return { alias, username, accessToken };
}
