import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import {
  apiErrorResponse,
  compileRoute,
  EmulatorModule,
  EmulatorResponse,
  matchRoute,
  restError,
  RouteContext,
  RouteDef
} from './http';
import { defaultModules } from './modules/index';
import { ApiError, OrgState } from './state';

export interface EmulatorOptions {
  /** Extra route modules (added after the default ones; later routes win on the same path). */
  modules?: EmulatorModule[];
  /** Replace the default module list entirely. */
  replaceDefaultModules?: boolean;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
}

/** A running emulator. */
export interface Emulator {
  /** http://127.0.0.1:PORT */
  url: string;
  state: OrgState;
  /** Adds routes at runtime (tests). */
  addRoutes(routes: RouteDef[]): void;
  close(): Promise<void>;
}

const MAX_BODY = 50 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'REQUEST_ENTITY_TOO_LARGE', 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const m = header ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header) : null;
  return m ? m[1].trim() : undefined;
}

function send(res: ServerResponse, response: EmulatorResponse, limitInfo: string): void {
  const headers: Record<string, string> = { 'Sforce-Limit-Info': limitInfo, ...(response.headers ?? {}) };
  let payload: Buffer | string = '';
  if (response.body === undefined || response.body === null) {
    payload = '';
  } else if (Buffer.isBuffer(response.body)) {
    payload = response.body;
  } else if (typeof response.body === 'string') {
    payload = response.body;
    headers['Content-Type'] ??= 'text/plain;charset=UTF-8';
  } else {
    payload = JSON.stringify(response.body);
    headers['Content-Type'] ??= 'application/json;charset=UTF-8';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

/** Which routes need a bearer token unless they say otherwise. */
function needsBearer(route: RouteDef, path: string): boolean {
  if (route.auth) return route.auth === 'bearer';
  return /^\/services\/(data\/v|scim\/)/.test(path) && !/^\/services\/data\/?$/.test(path);
}

/**
 * Starts the local org emulator on 127.0.0.1: the default modules (REST, OAuth, SOAP partner login, Metadata,
 * Tooling, SCIM) plus any given ones. See scripts/src/emulator/README.md for how modules register routes.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const state = new OrgState();
  const modules = [...(options.replaceDefaultModules ? [] : defaultModules()), ...(options.modules ?? [])];
  for (const module of modules) module.seed?.(state);
  const routes = modules.flatMap((m) => m.routes.map(compileRoute));
  let apiCalls = 0;

  /** Builds the handler context and runs the route; ApiErrors become Salesforce error responses. */
  const runRoute = async (
    route: RouteDef,
    base: Omit<RouteContext, 'state' | 'baseUrl' | 'dispatch' | 'text' | 'json'>
  ): Promise<EmulatorResponse> => {
    const ctx: RouteContext = {
      ...base,
      state,
      baseUrl: state.baseUrl,
      dispatch: (m, p, b) => dispatch(m, p, b, base.req, base.session),
      text: () => base.rawBody.toString('utf8'),
      json: <T>() => {
        try {
          return JSON.parse(base.rawBody.toString('utf8') || 'null') as T;
        } catch (error) {
          throw new ApiError(
            400,
            'JSON_PARSER_ERROR',
            `Unexpected character: was expecting a JSON value (${(error as Error).message})`
          );
        }
      }
    };
    try {
      return await route.handler(ctx);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return apiErrorResponse(error, route.errorStyle);
    }
  };

  /** Runs a route in-process for a composite subrequest, with the caller's session. */
  const dispatch = async (
    method: string,
    rawPath: string,
    body: unknown,
    req: IncomingMessage,
    session: RouteContext['session']
  ): Promise<EmulatorResponse> => {
    const url = new URL(
      rawPath.replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, '/')),
      state.baseUrl
    );
    const match = matchRoute(routes, method.toUpperCase(), url.pathname);
    if (!match) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if ('methodNotAllowed' in match) return restError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed`);
    const rawBody = Buffer.from(body === undefined ? '' : JSON.stringify(body));
    return runRoute(match.route, {
      req,
      method: method.toUpperCase(),
      path: url.pathname,
      url,
      params: match.params,
      rawBody,
      session
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    // Collapse `//` before parsing: the sf CLI stores instanceUrl with a trailing slash, and `new URL('//x')`
    // would read `x` as a host name.
    const raw = (req.url ?? '/').replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, '/'));
    const url = new URL(raw, state.baseUrl);
    const path = url.pathname;
    let response: EmulatorResponse;
    try {
      const rawBody = await readBody(req);
      const fault = state.faults.find(
        (f) => f.path.test(path) && (!f.method || f.method.toUpperCase() === method) && f.times !== 0
      );
      if (fault) {
        if (fault.times !== undefined) fault.times--;
        response = {
          status: fault.status,
          body: fault.body,
          headers: fault.contentType ? { 'Content-Type': fault.contentType } : undefined
        };
      } else {
        const match = matchRoute(routes, method, path);
        if (!match) {
          response = restError(404, 'NOT_FOUND', 'The requested resource does not exist');
        } else if ('methodNotAllowed' in match) {
          response = restError(
            405,
            'METHOD_NOT_ALLOWED',
            `HTTP Method '${method}' not allowed. Allowed are GET,HEAD,PATCH,POST,DELETE`
          );
        } else {
          const { route, params } = match;
          let session: RouteContext['session'];
          if (needsBearer(route, path)) {
            const token = bearerToken(req);
            session = token ? state.sessions.get(token) : undefined;
            if (!session) {
              response = restError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
              state.requests.push({ method, path, status: response.status });
              send(res, response, `api-usage=${apiCalls}/15000`);
              return;
            }
            if (!state.settings.apiEnabled && path.startsWith('/services/data')) {
              response = restError(403, 'API_DISABLED_FOR_ORG', 'The REST API is not enabled for this Organization.');
              state.requests.push({ method, path, status: response.status });
              send(res, response, `api-usage=${apiCalls}/15000`);
              return;
            }
            apiCalls++;
          }
          response = await runRoute(route, { req, method, path, url, params, rawBody, session });
        }
      }
    } catch (error) {
      response =
        error instanceof ApiError
          ? apiErrorResponse(error, 'rest')
          : restError(500, 'UNKNOWN_EXCEPTION', `An unexpected error occurred: ${(error as Error).message}`);
    }
    state.requests.push({ method, path, status: response.status });
    send(res, response, `api-usage=${apiCalls}/15000`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: state.baseUrl,
    state,
    addRoutes: (extra) => routes.push(...extra.map(compileRoute)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
