import { Connection, Org, SfError } from '@salesforce/core';
import { ExitCode, ProvisioError } from '../cli/errors';

/** Org errors people actually hit, mapped to a message that says what to do. */
export function orgError(error: unknown, targetOrg: string | undefined): ProvisioError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const who = targetOrg ?? 'the default target org';
  if (
    name === 'NamedOrgNotFoundError' ||
    name === 'NamedOrgNotFound' ||
    /No authorization information found/i.test(message)
  ) {
    return new ProvisioError('OrgNotFound', `No authenticated org found for ${who}.`, {
      exitCode: ExitCode.ORG,
      actions: [
        'Log in first: sf org login web --alias <alias>, then pass --target-org <alias>.',
        'List known orgs: sf org list'
      ],
      cause: error
    });
  }
  if (name === 'NoDefaultEnvError' || /No default (environment|org)/i.test(message)) {
    return new ProvisioError('NoTargetOrg', 'No org given and no default target org is set.', {
      exitCode: ExitCode.ORG,
      actions: ['Pass --target-org <alias>, or set a default: sf config set target-org <alias>'],
      cause: error
    });
  }
  if (/INVALID_SESSION_ID|expired|invalid_grant/i.test(`${name} ${message}`)) {
    return new ProvisioError('SessionExpired', `The session for ${who} is invalid or expired.`, {
      exitCode: ExitCode.ORG,
      actions: [`Log in again: sf org login web --alias ${targetOrg ?? '<alias>'}`],
      cause: error
    });
  }
  return new ProvisioError(error instanceof SfError ? error.name : 'OrgError', `Could not reach ${who}: ${message}`, {
    exitCode: ExitCode.ORG,
    cause: error
  });
}

/**
 * Opens a connection to an org the sf CLI has authenticated (`sf org login ...`), by alias or username, or the
 * default target org when none is given. Never asks for or accepts a password.
 */
export async function connectOrg(targetOrg: string | undefined, apiVersion?: string): Promise<Connection> {
  try {
    const org = targetOrg ? await Org.create({ aliasOrUsername: targetOrg }) : await Org.create({});
    const connection = org.getConnection(apiVersion);
    return connection;
  } catch (error) {
    throw orgError(error, targetOrg);
  }
}
