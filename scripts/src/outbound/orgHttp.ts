import { ExitCode, ProvisioError } from '../cli/errors';
import { redactor } from '../cli/redact';

/** The parts of a jsforce/@salesforce/core Connection this module needs. */
export interface ConnectionLike {
  instanceUrl: string;
  accessToken?: string | null;
  getApiVersion?: () => string;
  version?: string;
}

/** Salesforce's REST error envelope: `[{message, errorCode, fields?}]`. */
export class OrgApiError extends ProvisioError {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string
  ) {
    super(
      status === 401 ? 'SessionExpired' : 'OrgApiError',
      status === 401
        ? `The org session is invalid or expired (${errorCode}).`
        : `Salesforce answered ${status} ${errorCode}: ${message}`,
      {
        exitCode: status === 401 || status === 403 ? ExitCode.ORG : ExitCode.FAILED,
        actions: status === 401 ? ['Log in again: sf org login web --alias <alias>'] : []
      }
    );
  }
}

/**
 * REST calls to `/services/data/vXX.X/...` with the connection's token, through fetch so that response headers
 * (Sforce-Locator) are visible; errors become OrgApiError with Salesforce's errorCode and message.
 */
export interface OrgHttp {
  readonly version: string;
  readonly instanceUrl: string;
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  text(method: string, path: string): Promise<{ body: string; headers: Headers; status: number }>;
  withVersion(version: string): OrgHttp;
}

export function orgHttp(connection: ConnectionLike, version?: string): OrgHttp {
  const apiVersion = version ?? connection.getApiVersion?.() ?? connection.version ?? '66.0';
  const instanceUrl = connection.instanceUrl.replace(/\/+$/, '');
  const token = connection.accessToken ?? '';
  redactor.add(token);
  const send = async (method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> => {
    const url = `${instanceUrl}/services/data/v${apiVersion}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: accept,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      });
    } catch (error) {
      throw new ProvisioError('OrgUnreachable', `Could not reach ${instanceUrl}: ${(error as Error).message}`, {
        exitCode: ExitCode.ORG,
        cause: error
      });
    }
    if (!response.ok) {
      const text = await response.text();
      let errorCode = `HTTP_${response.status}`;
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as
          Array<{ errorCode?: string; message?: string }> | { errorCode?: string; message?: string };
        const first = Array.isArray(parsed) ? parsed[0] : parsed;
        errorCode = first?.errorCode ?? errorCode;
        message = first?.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new OrgApiError(response.status, errorCode, message);
    }
    return response;
  };
  return {
    version: apiVersion,
    instanceUrl,
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await send(method, path, body);
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async text(method: string, path: string) {
      const response = await send(method, path, undefined, 'text/csv');
      return { body: await response.text(), headers: response.headers, status: response.status };
    },
    withVersion: (other: string) => orgHttp(connection, other)
  };
}
