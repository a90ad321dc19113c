import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { Server } from 'node:http';
import express, { NextFunction, Request, Response } from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import { FaultDefinitionError, FaultInput, FaultRule, FaultSet } from './faults';
import { InvalidMemberError, NotFoundError, ResourceKind, ScimStore, StoredResource, UniquenessError } from './store';

export const SCIM_BASE_PATH = '/scim/v2';
export const ADMIN_BASE_PATH = '/admin';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const MAX_RESULTS = 200;

/** One request as the target saw it, for assertions (GET /admin/requests). Authorization is never kept. */
export interface RecordedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: unknown;
  status?: number;
  response?: unknown;
  faults: string[];
  durationMs?: number;
}

export interface ScimTargetOptions {
  /** Bearer token clients must send. */
  token: string;
  /** Bearer token of the admin API (default: the same token). */
  adminToken?: string;
  /** Data file; omit for memory only. */
  dataFile?: string;
  /** fsync every journal write (survives power loss, slower). */
  fsync?: boolean;
  host?: string;
  /** 0 = an ephemeral port. */
  port?: number;
  /** How many requests to keep for GET /admin/requests (oldest dropped first). */
  recordLimit?: number;
}

export interface ScimTarget {
  /** Base URL of the SCIM API, e.g. http://127.0.0.1:PORT/scim/v2 */
  url: string;
  adminUrl: string;
  port: number;
  store: ScimStore;
  faults: FaultSet;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface HandlerContext {
  store: ScimStore;
}

function scimError(status: number, scimType: string | null, detail: string): SCIMMY.Types.SCIMError {
  return new SCIMMY.Types.Error(status, scimType as string, detail);
}

function translate(error: unknown): never {
  if (error instanceof UniquenessError) throw scimError(409, 'uniqueness', error.message);
  if (error instanceof NotFoundError) throw scimError(404, null, error.message);
  if (error instanceof InvalidMemberError) throw scimError(400, 'invalidValue', error.message);
  throw error;
}

function contextOf(ctx: unknown): HandlerContext {
  const store = (ctx as Partial<HandlerContext> | undefined)?.store;
  if (!store) throw scimError(500, null, 'SCIM target handler called without its store');
  return { store };
}

/** A user as SCIMMY should see it: the stored attributes plus the read-only `groups` it belongs to. */
function userView(store: ScimStore, user: StoredResource): Record<string, unknown> {
  const groups = store.groupsOf(user.id).map((groupId) => ({
    value: groupId,
    display: store.groups.get(groupId)?.displayName,
    type: 'direct'
  }));
  return groups.length > 0 ? { ...user, groups } : { ...user };
}

/** Declares Users (with the enterprise extension) and Groups to SCIMMY once per process; data comes from ctx. */
type View = (store: ScimStore, resource: StoredResource) => Record<string, unknown>;

/** The egress handler of a resource type: one resource by id (404 if unknown) or the filtered list. */
function egress(kind: ResourceKind, view: View) {
  return (resource: { id?: string; filter?: SCIMMY.Types.Filter }, ctx: unknown): never => {
    const { store } = contextOf(ctx);
    const map = kind === 'User' ? store.users : store.groups;
    if (resource.id) {
      const found = map.get(resource.id);
      if (!found) throw scimError(404, null, `Resource ${resource.id} not found`);
      return view(store, found) as never;
    }
    const all = [...map.values()].map((item) => view(store, item));
    return (resource.filter ? matchFilter(resource.filter, all) : all) as never;
  };
}

/** The degress (DELETE) handler of a resource type. */
function degress(kind: ResourceKind) {
  return (resource: { id?: string }, ctx: unknown): void => {
    try {
      contextOf(ctx).store.remove(kind, String(resource.id));
    } catch (error) {
      translate(error);
    }
  };
}

/** The ingress (POST/PUT/PATCH) handler of a resource type. */
function ingress(
  kind: ResourceKind,
  prepare: (store: ScimStore, attributes: Record<string, unknown>) => void,
  view: View
) {
  return (resource: { id?: string }, instance: unknown, ctx: unknown): never => {
    const { store } = contextOf(ctx);
    const attributes = JSON.parse(JSON.stringify(instance)) as Record<string, unknown>;
    prepare(store, attributes);
    try {
      return view(store, store.write(kind, resource.id, attributes)) as never;
    } catch (error) {
      return translate(error);
    }
  };
}

/** Group members as stored: the id, a display name, and whether it is a User or a Group. */
function resolveMembers(store: ScimStore, attributes: Record<string, unknown>): void {
  if (!Array.isArray(attributes.members)) return;
  attributes.members = (attributes.members as Array<Record<string, unknown>>).map((member) => {
    const value = String(member.value);
    const user = store.users.get(value);
    return {
      value,
      display: member.display ?? user?.displayName ?? user?.userName ?? store.groups.get(value)?.displayName,
      type: user ? 'User' : 'Group'
    };
  });
}

let declared = false;

/** Declares Users (with the enterprise extension) and Groups to SCIMMY once per process; data comes from ctx. */
function declareResources(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    extensions: [{ schema: SCIMMY.Schemas.EnterpriseUser, required: false }]
  } as never);
  SCIMMY.Resources.User.ingress(ingress('User', () => undefined, userView))
    .egress(egress('User', userView))
    .degress(degress('User'));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
  const groupView: View = (_store, group) => group;
  SCIMMY.Resources.Group.ingress(ingress('Group', resolveMembers, groupView))
    .egress(egress('Group', groupView))
    .degress(degress('Group'));
}

/** Attributes compared case-sensitively (caseExact=true in RFC 7643), and `meta` (dates, URIs). */
const CASE_EXACT = new Set(['id', 'externalid', '$ref', 'meta']);

/**
 * SCIMMY's Filter.match compares strings case-sensitively and cannot see extension attributes written as
 * `urn:...:User:department`. RFC 7644 §3.4.2.2 wants caseExact=false attributes (userName, emails...) compared
 * without regard to case, and the full URN path to work. So SCIMMY matches a view of each resource (extension
 * attributes also flattened under their URN path, case-insensitive strings lower-cased) against a filter whose
 * comparison values are lower-cased the same way; the originals are returned.
 */
function matchFilter<T extends Record<string, unknown>>(filter: SCIMMY.Types.Filter, resources: T[]): T[] {
  const expression = [...filter].map((term) => foldFilter(term));
  const folded = new SCIMMY.Types.Filter(expression);
  const views = resources.map((resource) => ({ view: filterView(resource), resource }));
  const matched = new Set(folded.match(views.map((v) => v.view)));
  return views.filter((v) => matched.has(v.view)).map((v) => v.resource);
}

function foldFilter(term: unknown, key?: string): unknown {
  if (Array.isArray(term)) {
    if (key !== undefined && CASE_EXACT.has(key.toLowerCase())) return term;
    const parts = term as unknown[];
    return parts.map((part, index) =>
      index === parts.length - 1 && index > 0 && typeof part === 'string' ? part.toLowerCase() : part
    );
  }
  if (term && typeof term === 'object') {
    if (key !== undefined && CASE_EXACT.has(key.toLowerCase())) return term;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(term as Record<string, unknown>)) out[k] = foldFilter(v, k);
    return out;
  }
  return term;
}

function foldValue(value: unknown, key: string | undefined): unknown {
  if (key !== undefined && CASE_EXACT.has(key.toLowerCase())) return value;
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map((item) => foldValue(item, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = foldValue(v, k);
    return out;
  }
  return value;
}

function filterView(resource: Record<string, unknown>): Record<string, unknown> {
  const view = foldValue(resource, undefined) as Record<string, unknown>;
  for (const [key, value] of Object.entries(view)) {
    if (key.startsWith('urn:') && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [attribute, inner] of Object.entries(value as Record<string, unknown>))
        view[`${key}:${attribute}`] = inner;
    }
  }
  return view;
}

const BOOLEAN_ATTRIBUTES = new Set(['active', 'primary']);

/** Entra ID sends `"active": "False"` and `{op: "Replace", value: {active: "True"}}`; turns those into booleans. */
export function normaliseStringBooleans(value: unknown, key?: string): unknown {
  if (typeof value === 'string' && key !== undefined && BOOLEAN_ATTRIBUTES.has(key.toLowerCase())) {
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => normaliseStringBooleans(item, key));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = normaliseStringBooleans(v, k);
    // A PATCH operation: {op, path: "active", value: "False"}.
    if (typeof out.path === 'string' && 'value' in out) {
      const last = out.path.split(/[.:]/).pop() ?? '';
      out.value = normaliseStringBooleans(out.value, last);
    }
    return out;
  }
  return value;
}

/** What a target that speaks Entra-style strings answers: every boolean as "True"/"False". */
function stringifyBooleans(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return value.map(stringifyBooleans);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = stringifyBooleans(v);
    return out;
  }
  return value;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sendScimError(res: Response, status: number, detail: string, scimType?: string): void {
  res
    .status(status)
    .type('application/scim+json')
    .send(
      JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail })
    );
}

function unauthorized(res: Response, realm: string, detail: string): void {
  res.setHeader('WWW-Authenticate', `Bearer realm="${realm}", error="invalid_token"`);
  sendScimError(res, 401, detail);
}

function redactHeaders(headers: Request['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = /authorization|cookie/i.test(name) ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the local SCIM 2.0 target: SCIMMY + scimmy-routers on Express 5, bearer auth, a durable store, fault
 * injection and request recording. The SCIM protocol (filters, paging, sorting, PATCH, schemas, errors) is
 * SCIMMY's; this file only adds what a test target needs around it.
 */
export async function startScimTarget(options: ScimTargetOptions): Promise<ScimTarget> {
  if (!options.token) throw new Error('startScimTarget needs a bearer token');
  declareResources();
  const store = ScimStore.open(options.dataFile, { fsync: options.fsync });
  const faults = new FaultSet();
  const requests: RecordedRequest[] = [];
  const recordLimit = options.recordLimit ?? 10_000;
  const adminToken = options.adminToken ?? options.token;
  const held = new Set<Socket>();
  const rendered = new Map<string, { version: number; text: string }>();
  let seq = 0;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // ---- admin API -------------------------------------------------------------------------------------------
  const admin = express.Router();
  admin.use(express.json({ limit: '1mb' }));
  admin.use((req, res, next) => {
    if (!bearerMatches(req.header('authorization'), adminToken)) {
      unauthorized(res, 'provisio-scim-target-admin', 'Admin API: missing or wrong bearer token.');
      return;
    }
    next();
  });
  admin.get('/faults', (_req, res) => {
    res.json({ faults: faults.list() });
  });
  admin.post('/faults', (req, res) => {
    try {
      const body = req.body as FaultInput | FaultInput[];
      const added = (Array.isArray(body) ? body : [body]).map((input) => faults.add(input));
      res.status(201).json({ faults: added });
    } catch (error) {
      if (error instanceof FaultDefinitionError) res.status(400).json({ error: error.message });
      else throw error;
    }
  });
  admin.delete('/faults', (_req, res) => {
    faults.clear();
    res.status(204).end();
  });
  admin.delete('/faults/:id', (req, res) => {
    if (faults.remove(req.params.id)) res.status(204).end();
    else res.status(404).json({ error: `No fault ${req.params.id}` });
  });
  admin.get('/requests', (req, res) => {
    const since = Number(req.query.since ?? 0);
    const method = typeof req.query.method === 'string' ? req.query.method.toUpperCase() : undefined;
    const path = typeof req.query.path === 'string' ? req.query.path : undefined;
    res.json({
      requests: requests.filter(
        (r) => r.seq > since && (!method || r.method === method) && (!path || r.path.startsWith(path))
      )
    });
  });
  admin.delete('/requests', (_req, res) => {
    requests.length = 0;
    res.status(204).end();
  });
  admin.post('/reset', (_req, res) => {
    store.clear();
    faults.clear();
    requests.length = 0;
    res.status(204).end();
  });
  admin.get('/stats', (_req, res) => {
    res.json({ users: store.users.size, groups: store.groups.size, requests: seq, faults: faults.list().length });
  });
  admin.use((error: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(error.status ?? 500).json({ error: error.message });
  });
  app.use(ADMIN_BASE_PATH, admin);

  // ---- SCIM API ------------------------------------------------------------------------------------------------
  const scim = express.Router();
  scim.use(express.json({ type: ['application/scim+json', 'application/json'], limit: '1mb' }));
  scim.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const record: RecordedRequest = {
      seq: ++seq,
      at: new Date().toISOString(),
      method: req.method,
      path: req.path,
      query: { ...req.query },
      headers: redactHeaders(req.headers),
      body: req.body as unknown,
      faults: []
    };
    res.locals.record = record;
    requests.push(record);
    if (requests.length > recordLimit) requests.splice(0, requests.length - recordLimit);
    res.on('close', () => {
      record.status = res.headersSent ? res.statusCode : undefined;
      record.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    });
    next();
  });
  scim.use((req, res, next) => {
    if (!bearerMatches(req.header('authorization'), options.token)) {
      unauthorized(res, 'provisio-scim-target', 'Authorization failed: missing or wrong bearer token.');
      return;
    }
    next();
  });
  scim.use((req, res, next) => {
    void applyFaults(req, res, next, faults.take(req.method, req.path), held, (path, version, text) => {
      if (version === store.version) rendered.set(path, { version, text });
      if (rendered.size > 10_000) rendered.clear();
    });
  });
  // Express 5 re-parses req.query on every access, so scimmy-routers' number casts for startIndex/count are lost
  // (toolchain-notes §8). Freeze a plain copy, and clamp count to [0, maxResults] (RFC 7644 §3.4.2.4).
  scim.use((req, _res, next) => {
    const query: Record<string, unknown> = { ...req.query };
    if (typeof query.count === 'string' && /^-?\d+$/.test(query.count)) {
      query.count = String(Math.min(Math.max(Number(query.count), 0), MAX_RESULTS));
    }
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
    next();
  });
  // GET /Users/{id} and /Groups/{id} without attribute selection are served from SCIMMY's own last rendering of
  // the resource while nothing has been written since (any write drops the whole cache). Faulted requests never
  // use the cache, so every fault still applies.
  scim.use((req, res, next) => {
    const record = res.locals.record as RecordedRequest;
    const cacheable =
      req.method === 'GET' && /^\/(Users|Groups)\/[^/.]+$/.test(req.path) && Object.keys(req.query).length === 0;
    if (!cacheable || record.faults.length > 0) {
      next();
      return;
    }
    const key = `${req.get('host') ?? ''}${req.path}`;
    const hit = rendered.get(key);
    if (hit && hit.version === store.version) {
      res.status(200).type('application/scim+json').send(hit.text);
      return;
    }
    res.locals.cacheAs = key;
    res.locals.cacheVersion = store.version;
    next();
  });
  SCIMMY.Config.set('authenticationSchemes', []);
  const router = new SCIMMYRouters({
    type: 'bearer',
    handler: () => 'provisio-client',
    context: (): HandlerContext => ({ store }),
    baseUri: (req: Request) => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`
  });
  SCIMMY.Config.set({ bulk: false, sort: true, patch: true, filter: { supported: true, maxResults: MAX_RESULTS } });
  scim.use(router);
  scim.use((error: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    // scimmy-routers passes 5xx errors on after answering them; the answer is out, so stop here (passing it on
    // to Express's final handler would destroy the keep-alive socket).
    if (res.headersSent) return;
    if (error.type === 'entity.parse.failed')
      sendScimError(res, 400, `Request body is not valid JSON: ${error.message}`, 'invalidSyntax');
    else if (error.type === 'entity.too.large') sendScimError(res, 413, 'Request body is larger than 1 MB.');
    else sendScimError(res, error.status ?? 500, error.message);
  });
  app.use(SCIM_BASE_PATH, scim);
  app.use((_req, res) => sendScimError(res, 404, `Not found. The SCIM API is under ${SCIM_BASE_PATH}.`));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (error?: Error) => {
      if (error) reject(error);
      else resolve(s);
    });
    s.on('error', reject);
  });
  server.keepAliveTimeout = 30_000;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;
  let closed = false;
  return {
    url: `${origin}${SCIM_BASE_PATH}`,
    adminUrl: `${origin}${ADMIN_BASE_PATH}`,
    port: address.port,
    store,
    faults,
    requests,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const socket of held) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    }
  };
}

/** Applies the faults chosen for one request: short-circuits (status, html, reset, timeout) or response rewrites. */
async function applyFaults(
  req: Request,
  res: Response,
  next: NextFunction,
  applied: FaultRule[],
  held: Set<Socket>,
  onRendered: (path: string, version: number, text: string) => void
): Promise<void> {
  const record = res.locals.record as RecordedRequest;
  record.faults = applied.map((rule) => rule.kind);
  const of = (kind: string): FaultRule | undefined => applied.find((rule) => rule.kind === kind);
  const latency = of('latency');
  if (latency?.ms) await sleep(latency.ms);
  const reset = of('reset');
  if (reset) {
    req.socket.resetAndDestroy();
    return;
  }
  const timeout = of('timeout');
  if (timeout) {
    const socket = req.socket;
    held.add(socket);
    const timer = setTimeout(() => socket.destroy(), timeout.ms ?? 300_000);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      held.delete(socket);
    });
    return;
  }
  const status = of('status');
  if (status?.status) {
    if (status.retryAfter !== undefined) res.setHeader('Retry-After', String(status.retryAfter));
    sendScimError(res, status.status, `Injected fault: HTTP ${status.status}.`);
    return;
  }
  const html = of('html');
  if (html) {
    res
      .status(html.status ?? 200)
      .type('text/html')
      .send('<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Service unavailable</h1></body></html>');
    return;
  }
  const stringBooleans = of('stringBooleans');
  if (stringBooleans && req.body !== undefined) req.body = normaliseStringBooleans(req.body);
  const truncated = of('truncated');
  const created200 = of('created200');
  const duplicate400 = of('duplicate400');
  const requestPath = req.path; // nested routers rewrite req.url later
  res.json = (body: unknown): Response => {
    let out = body as Record<string, unknown> | undefined;
    let text: string;
    const schemas = out && typeof out === 'object' ? out.schemas : undefined;
    if (!duplicate400 && !created200 && !stringBooleans && Array.isArray(schemas) && !schemas.includes(LIST_SCHEMA)) {
      // The common case (one resource or an error, no rewriting fault): serialise SCIMMY's answer once.
      const location = (out?.meta as { location?: string } | undefined)?.location;
      if (res.statusCode === 201 && location) res.setHeader('Location', location);
      text = JSON.stringify(out);
    } else {
      if (out && typeof out === 'object') {
        out = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
        fixupResponse(res, out, requestPath);
        if (duplicate400 && res.statusCode === 409) {
          res.status(400);
          out = { schemas: [ERROR_SCHEMA], status: '400', detail: 'A user with this userName already exists.' };
        }
        if (created200 && res.statusCode === 201) res.status(200);
        if (stringBooleans) out = stringifyBooleans(out) as Record<string, unknown>;
      }
      text = JSON.stringify(out);
    }
    record.response = out;
    res.type('application/scim+json');
    if (truncated) return res.send(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    const cacheAs = res.locals.cacheAs as string | undefined;
    if (cacheAs && res.statusCode === 200) {
      onRendered(cacheAs, res.locals.cacheVersion as number, text);
    }
    return res.send(text);
  };
  next();
}

/**
 * Brings SCIMMY's answers in line with RFC 7644 where it differs: the Location header on 201 (§3.1 "SHALL"), and
 * itemsPerPage = the number of resources actually on the page (§3.4.2).
 */
function fixupResponse(res: Response, body: Record<string, unknown>, path: string): void {
  const type = /^\/Groups/i.test(path) ? 'Group' : /^\/Users/i.test(path) ? 'User' : undefined;
  const meta = body.meta as { location?: string } | undefined;
  if (res.statusCode === 201 && meta?.location) res.setHeader('Location', meta.location);
  const schemas = body.schemas as string[] | undefined;
  if (schemas?.includes(LIST_SCHEMA) && Array.isArray(body.Resources)) {
    body.itemsPerPage = body.Resources.length;
    for (const resource of body.Resources as Array<Record<string, unknown>>) withSchemas(resource, type);
  } else {
    withSchemas(body, type);
  }
}

const CORE_SCHEMAS: Record<string, string> = {
  User: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Group: 'urn:ietf:params:scim:schemas:core:2.0:Group'
};

/** `schemas` is always returned (RFC 7643 §3), also when `attributes=` asked for other attributes only. */
function withSchemas(resource: Record<string, unknown>, pathType: string | undefined): void {
  if (resource.schemas !== undefined || typeof resource.id !== 'string') return;
  const type = (resource.meta as { resourceType?: string } | undefined)?.resourceType ?? pathType;
  const core = type ? CORE_SCHEMAS[type] : undefined;
  if (!core) return;
  resource.schemas = [core, ...Object.keys(resource).filter((key) => key.startsWith('urn:'))];
}
