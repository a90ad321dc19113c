/**
 * The callout bridge: outside a test, `Http.send` to `callout:<NamedCredential>/...` is made for real, over HTTP, to
 * the URL and bearer token configured here for that Named Credential (what the org's Named Credential and External
 * Credential would supply). It keeps the rules the platform applies to such a callout:
 *  - only `callout:` endpoints: no Remote Site Settings exist here, so any other URL is refused as the platform
 *    refuses an endpoint outside them;
 *  - a Named Credential that is not configured is refused;
 *  - when the route names an External Credential, the running user needs principal access to it, given through
 *    one of the permission sets listed (Salesforce Help, "Enable External Credential Principals": "At run time,
 *    Salesforce ensures that the user has the permission set before accessing the remote system");
 *  - the Named Credential generates the Authorization header; Apex code does not see the token;
 *  - the request's timeout (10 s by default, at most 120 s) bounds the wait; a response over the heap-bound size
 *    limit (6 MB synchronous, 12 MB asynchronous) is not read.
 * The exception messages for a missing credential and missing principal access are the platform's wording as
 * practitioners report it (it is not quoted by the Apex Developer Guide); the others are as the platform prints them.
 */
import { ExecContext, Runtime } from '../runtime';
import { NativeObject, Value } from '../values';
import { HttpData } from '../natives/platform/services';
import { SyncHttpClient, SyncHttpResult } from './syncHttp';

export interface NamedCredentialRoute {
  /** The URL the Named Credential points at (its Url parameter); the callout's path is appended to it. */
  url: string;
  /** Bearer token the External Credential's principal holds; sent as `Authorization: Bearer <token>`. */
  token: string;
  /** When set: the External Credential behind the Named Credential and the permission sets that enable its principal. */
  externalCredential?: { name: string; principalPermissionSets: string[] };
}

/** One callout as it went out and came back (the Authorization header is never recorded). */
export interface CalloutExchange {
  namedCredential: string;
  /** The endpoint as Apex set it: `callout:ScimTarget/Users?filter=...`. */
  endpoint: string;
  method: string;
  requestBody: string | null;
  /** HTTP status, or 0 when the callout failed before an answer. */
  status: number;
  responseBody: string | null;
  /** The CalloutException message when Http.send threw. */
  error?: string;
  millis: number;
  /** Who made the callout (the transaction's running user). */
  userId: string;
  /** The org clock at the callout. */
  at: number;
}

const SYNC_RESPONSE_LIMIT = 6_000_000;
const ASYNC_RESPONSE_LIMIT = 12_000_000;

export interface CalloutBridgeOptions {
  routes: Record<string, NamedCredentialRoute>;
  client: SyncHttpClient;
  /** Receives every exchange, successful or not. */
  record: (exchange: CalloutExchange) => void;
}

/** Builds the function the runtime's Http.send calls (the `calloutBridge` slot). */
export function calloutBridge(options: CalloutBridgeOptions): (rt: Runtime, request: Value) => Value {
  const routes = new Map(Object.entries(options.routes).map(([name, route]) => [name.toLowerCase(), { name, route }]));
  return (rt, request) => {
    const req = (request as NativeObject).data as unknown as HttpData;
    const endpoint = req.endpoint ?? '';
    const method = (req.method ?? '').toUpperCase();
    const match = /^callout:([^/?]+)(.*)$/i.exec(endpoint);
    if (!match) {
      return rt.throwApex(
        'System.CalloutException',
        `Unauthorized endpoint, please check Setup->Security->Remote site settings. endpoint = ${endpoint}`
      );
    }
    const entry = routes.get(match[1].toLowerCase());
    if (!entry) {
      return rt.throwApex(
        'System.CalloutException',
        `The callout couldn't access the endpoint. You might not have the required permissions, or the named credential "${match[1]}" might not exist.`
      );
    }
    const { route } = entry;
    if (route.externalCredential && !hasPrincipalAccess(rt, route.externalCredential.principalPermissionSets)) {
      rt.throwApex(
        'System.CalloutException',
        `We couldn't access the credential(s). You might not have the required permissions, or the external credential "${route.externalCredential.name}" might not exist.`
      );
    }
    const headers: Record<string, string> = {};
    for (const [, [name, value]] of req.headers) headers[name] = value;
    headers.Authorization = `Bearer ${route.token}`;
    const started = Date.now();
    const result = options.client.send({
      method,
      url: route.url.replace(/\/+$/, '') + match[2],
      headers,
      body: method === 'GET' || method === 'DELETE' ? (req.body ?? null) : (req.body ?? ''),
      timeoutMs: req.timeout,
      maxBodyBytes: rt.ctx.isAsync ? ASYNC_RESPONSE_LIMIT : SYNC_RESPONSE_LIMIT
    });
    const exchange: CalloutExchange = {
      namedCredential: entry.name,
      endpoint,
      method,
      requestBody: req.body ?? null,
      status: result.kind === 'response' ? result.status : 0,
      responseBody: result.kind === 'response' ? result.body : null,
      millis: Date.now() - started,
      userId: rt.runningUserId,
      at: rt.org.now()
    };
    const failure = failureMessage(result, rt.ctx);
    if (failure) exchange.error = failure;
    options.record(exchange);
    if (failure || result.kind !== 'response')
      return rt.throwApex('System.CalloutException', failure ?? 'callout failed');
    const response = rt.newInstance({ name: 'HttpResponse', args: [] }, []) as NativeObject;
    const data = response.data as unknown as HttpData;
    data.statusCode = result.status;
    data.status = result.statusText;
    data.body = result.body;
    for (const [name, value] of result.headers) data.headers.set(name.toLowerCase(), [name, value]);
    return response;
  };
}

function failureMessage(result: SyncHttpResult, ctx: ExecContext): string | undefined {
  switch (result.kind) {
    case 'response':
      return undefined;
    case 'timeout':
      return 'Read timed out';
    case 'tooLarge':
      return `Exceeded max size limit of ${ctx.isAsync ? ASYNC_RESPONSE_LIMIT : SYNC_RESPONSE_LIMIT}`;
    case 'error':
      return result.code === 'ECONNREFUSED'
        ? 'IO Exception: Connection refused'
        : result.code === 'ECONNRESET'
          ? 'IO Exception: Connection reset'
          : `IO Exception: ${result.message}`;
  }
}

/** Whether the running user holds one of the permission sets that enable the External Credential's principal. */
function hasPrincipalAccess(rt: Runtime, permissionSets: string[]): boolean {
  if (permissionSets.length === 0) return false;
  const names = permissionSets.map((n) => `'${n.replace(/'/g, "\\'")}'`).join(', ');
  const rows = rt.org.query(
    rt,
    `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = '${rt.runningUserId}' AND PermissionSet.Name IN (${names})`,
    () => null,
    { mode: 'system' }
  ) as { items: unknown[] };
  // The platform's check is not a SOQL query of the transaction.
  rt.ctx.limits.queries = Math.max(0, rt.ctx.limits.queries - 1);
  rt.ctx.limits.queryRows = Math.max(0, rt.ctx.limits.queryRows - rows.items.length);
  return rows.items.length > 0;
}
