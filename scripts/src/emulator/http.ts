import { IncomingMessage } from 'node:http';
import { xmlUnescape } from '../org/xml';
import { ApiError, OrgState, Session } from './state';

export { xmlEscape, xmlUnescape } from '../org/xml';

/** What a route handler returns; objects and arrays are sent as JSON, strings and Buffers as they are. */
export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Everything a handler gets about one request. */
export interface RouteContext {
  req: IncomingMessage;
  method: string;
  /** Path with duplicate slashes collapsed (the sf CLI stores instanceUrl with a trailing slash). */
  path: string;
  url: URL;
  /** Named path parameters; `version` is the API version without the leading `v` (e.g. `66.0`). */
  params: Record<string, string>;
  rawBody: Buffer;
  state: OrgState;
  /** The session of the bearer token, for routes with `auth: 'bearer'`. */
  session?: Session;
  /** The emulator's base URL (http://127.0.0.1:PORT). */
  baseUrl: string;
  /** Runs another route in-process with the same session (composite subrequests). */
  dispatch: (method: string, path: string, body?: unknown) => Promise<EmulatorResponse>;
  /** The body parsed as JSON; throws Salesforce's JSON_PARSER_ERROR on bad JSON. */
  json<T = unknown>(): T;
  text(): string;
}

export type RouteHandler = (ctx: RouteContext) => EmulatorResponse | Promise<EmulatorResponse>;

/**
 * One route. `path` is a pattern: literal segments, `:name` for one segment, `:version` for `vNN.N` (any version
 * is accepted) and a trailing `*rest` for the remainder. `auth: 'bearer'` (the default for /services/data and
 * /services/scim) checks the `Authorization: Bearer` token and answers 401 INVALID_SESSION_ID otherwise.
 */
export interface RouteDef {
  method: string | string[];
  path: string;
  auth?: 'bearer' | 'none';
  handler: RouteHandler;
  /** How errors of this route are shaped when a handler throws ApiError: REST (default), SCIM or SOAP. */
  errorStyle?: 'rest' | 'scim' | 'soap';
}

/** A feature's contribution to the emulator: routes, and optionally schema/seed changes to the org state. */
export interface EmulatorModule {
  name: string;
  routes: RouteDef[];
  /** Called once when the emulator is created, before it listens: define sObject types, seed records. */
  seed?: (state: OrgState) => void;
}

interface CompiledRoute extends RouteDef {
  methods: string[];
  regex: RegExp;
  names: string[];
}

export function compileRoute(route: RouteDef): CompiledRoute {
  const names: string[] = [];
  const parts = route.path
    .split('/')
    .filter((p) => p !== '')
    .map((segment) => {
      if (segment === ':version') {
        names.push('version');
        return 'v(\\d+\\.\\d)';
      }
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      if (segment.startsWith('*')) {
        names.push(segment.slice(1));
        return '(.*)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
  return { ...route, methods, names, regex: new RegExp(`^/${parts.join('/')}/?$`) };
}

/** Matches a request against compiled routes; later registrations win, so a module can override a core route. */
export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  path: string
): { route: CompiledRoute; params: Record<string, string> } | { methodNotAllowed: true } | undefined {
  let pathMatched = false;
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i];
    const m = route.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (!route.methods.includes(method) && !route.methods.includes('*')) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, index) => (params[name] = decodeURIComponent(m[index + 1] ?? '')));
    return { route, params };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}

/** A REST error response: `[{message, errorCode, fields?}]`, Salesforce's envelope. */
export function restError(status: number, errorCode: string, message: string, fields?: string[]): EmulatorResponse {
  const item: Record<string, unknown> = { message, errorCode };
  if (fields && fields.length > 0) item.fields = fields;
  return { status, body: [item] };
}

/** The response for an ApiError, in the route's error style. */
export function apiErrorResponse(error: ApiError, style: RouteDef['errorStyle']): EmulatorResponse {
  if (style === 'scim') {
    // Salesforce's SCIM errors: `schemas` as a JSON *string*, detail `<CODE>:<snake_case_reason>;`, status 409
    // for data errors (REAL sample: fixtures/scim-salesforce/error_409_REQUIRED_FIELD_MISSING_...).
    const status = error.status === 400 ? 409 : error.status;
    return {
      status,
      body: {
        schemas: '["urn:ietf:params:scim:api:messages:2.0:Error"]',
        detail: `${error.errorCode}:${snake(error.message)};`,
        status
      }
    };
  }
  return restError(error.status, error.errorCode, error.message, error.fields);
}

function snake(text: string): string {
  return text
    .replace(/<br>/g, ' ')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** Reads the first element with a local name (ignoring namespace prefixes) from XML text. */
export function xmlValue(xml: string, localName: string): string | undefined {
  const m = new RegExp(`<(?:[\\w-]+:)?${localName}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${localName}>`).exec(xml);
  return m ? xmlUnescape(m[1]) : undefined;
}

/** Every element with a local name, as raw inner XML. */
export function xmlValues(xml: string, localName: string): string[] {
  const re = new RegExp(`<(?:[\\w-]+:)?${localName}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${localName}>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]);
}
