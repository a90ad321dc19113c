import { Connection } from '@salesforce/core';
import { ExitCode, ProvisioError } from '../cli/errors';
import { connectOrg, orgError } from './connect';

/** An org the command works on: the connection plus what every report names. */
export interface OrgTarget {
  conn: Connection;
  username: string;
  orgId: string;
  /** Instance URL without a trailing slash. */
  instanceUrl: string;
  apiVersion: string;
  alias?: string;
}

/** Opens the `--target-org` (or the default org) and reads the identifying facts once. */
export async function openTarget(options: { targetOrg?: string; apiVersion?: string }): Promise<OrgTarget> {
  const conn = await connectOrg(options.targetOrg, options.apiVersion);
  const fields = conn.getAuthInfoFields();
  return {
    conn,
    username: conn.getUsername() ?? fields.username ?? '',
    orgId: fields.orgId ?? '',
    instanceUrl: conn.instanceUrl.replace(/\/+$/, ''),
    apiVersion: conn.getApiVersion(),
    alias: options.targetOrg
  };
}

/** The Salesforce error code of a jsforce/core error (`errorCode`, or the name jsforce gives it). */
export function errorCodeOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { errorCode?: unknown; name?: unknown };
  if (typeof e.errorCode === 'string') return e.errorCode;
  return typeof e.name === 'string' && /^[A-Z_]+$/.test(e.name) ? e.name : undefined;
}

/**
 * Wraps an org call: an expired session becomes the ORG exit code with "log in again"; any other Salesforce
 * error becomes a ProvisioError that names what was being done and keeps Salesforce's code and message.
 */
export async function orgCall<T>(what: string, targetOrg: string | undefined, call: () => PromiseLike<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toOrgError(what, targetOrg, error);
  }
}

/** The ProvisioError for a failed org call (see orgCall). */
export function toOrgError(what: string, targetOrg: string | undefined, error: unknown): ProvisioError {
  if (error instanceof ProvisioError) return error;
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'INVALID_SESSION_ID' || /INVALID_SESSION_ID|Session expired or invalid/i.test(message)) {
    return orgError(new Error(`INVALID_SESSION_ID: ${message}`), targetOrg);
  }
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|fetch failed/i.test(message)) {
    return new ProvisioError('OrgUnreachable', `Could not reach the org while trying to ${what}: ${message}`, {
      exitCode: ExitCode.ORG,
      cause: error
    });
  }
  return new ProvisioError(code ?? 'SalesforceError', `Salesforce refused to ${what}: ${message}`, {
    exitCode: ExitCode.FAILED,
    data: { errorCode: code },
    cause: error
  });
}
