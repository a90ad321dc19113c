import { Database, SRecord, text } from '../db';
import { EmulatorModule, EmulatorResponse, restError, RouteContext } from '../http';
import { isSalesforceId, KEY_PREFIX, to18 } from '../ids';
import { runSoql, SoqlError } from '../soql';
import { ApiError, OrgState } from '../state';

/** Release label of an API version: 31.0 is Summer '14, then Winter, Spring, Summer each year. */
export function releaseLabel(version: number): string {
  const index = version - 31;
  const season = ['Summer', 'Winter', 'Spring'][((index % 3) + 3) % 3];
  const year = 14 + Math.floor((index + 2) / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}

/** GET /services/data: every version from 31.0 up to the org's maximum (shape of the real sample). */
export function versionList(maxVersion: string): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = 31; v <= Math.floor(Number(maxVersion)); v++) {
    out.push({ label: releaseLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

interface Locator {
  records: Array<Record<string, unknown>>;
  offset: number;
  totalSize: number;
}

const LOCATORS = 'rest.locators';

function locators(state: OrgState): Map<string, Locator> {
  return state.extension<Map<string, Locator>>(LOCATORS, () => new Map());
}

/** One page of a query result, with nextRecordsUrl when more remain (`/services/data/vXX.X/query/<id>-<offset>`). */
function page(state: OrgState, version: string, key: string, locator: Locator): Record<string, unknown> {
  const size = state.settings.queryBatchSize;
  const slice = locator.records.slice(locator.offset, locator.offset + size);
  const nextOffset = locator.offset + slice.length;
  const done = nextOffset >= locator.records.length;
  const out: Record<string, unknown> = { totalSize: locator.totalSize, done };
  if (!done) {
    const next = `${key}-${nextOffset}`;
    locators(state).set(next, { ...locator, offset: nextOffset });
    out.nextRecordsUrl = `/services/data/v${version}/query/${next}`;
  }
  out.records = slice;
  return out;
}

/** Runs SOQL for a route and maps engine errors to Salesforce's 400 bodies. */
export function queryResponse(ctx: RouteContext, db: Database): EmulatorResponse {
  const q = ctx.url.searchParams.get('q');
  if (!q) return restError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
  try {
    const result = runSoql(db, q, ctx.params.version, db === ctx.state.tooling ? 'tooling/sobjects' : 'sobjects');
    const key = ctx.state.ids.next(KEY_PREFIX.QueryLocator).slice(0, 15);
    return { status: 200, body: page(ctx.state, ctx.params.version, key, { ...result, offset: 0 }) };
  } catch (error) {
    if (error instanceof SoqlError) return restError(400, error.errorCode, error.message);
    throw error;
  }
}

/** A record as GET /sobjects/{type}/{id} returns it: attributes then every field. */
export function recordBody(type: string, record: SRecord, version: string, fields?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    attributes: { type, url: `/services/data/v${version}/sobjects/${type}/${record.Id}` }
  };
  for (const [k, v] of Object.entries(record)) {
    if (!fields || k === 'Id' || fields.some((f) => f.toLowerCase() === k.toLowerCase())) out[k] = v;
  }
  return out;
}

function schemaOr404(state: OrgState, type: string): string {
  const schema = state.db.schema(type);
  if (!schema) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return schema.name;
}

function canonicalValues(state: OrgState, type: string, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'attributes') continue;
    const name = state.db.fieldName(type, key);
    if (!name) throw new ApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${type}`, [key]);
    if (name === 'Id')
      throw new ApiError(400, 'INVALID_FIELD', 'The Id field should not be specified in the sobject data.');
    out[name] = value;
  }
  return out;
}

/** Inserts one record of any type with the type's rules (User rules, duplicate assignments). */
export function insertRecord(state: OrgState, type: string, values: Record<string, unknown>): SRecord {
  if (type === 'User') return state.createUser(values);
  const canonical = canonicalValues(state, type, values);
  if (type === 'PermissionSetAssignment') {
    const assignee = text(canonical.AssigneeId);
    const permissionSet = text(canonical.PermissionSetId);
    if (!isSalesforceId(assignee) || !state.db.get('User', assignee)) {
      throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['AssigneeId']);
    }
    if (!isSalesforceId(permissionSet) || !state.db.get('PermissionSet', permissionSet)) {
      throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['PermissionSetId']);
    }
    const duplicate = state.db.where(
      'PermissionSetAssignment',
      (a) => a.AssigneeId === to18(assignee) && a.PermissionSetId === to18(permissionSet)
    )[0];
    if (duplicate) {
      // INFERRED: message text attested by many scripts ("Duplicate PermissionSetAssignment"), code unconfirmed.
      throw new ApiError(
        400,
        'DUPLICATE_VALUE',
        `duplicate value found: <unknown> duplicates value on record with id: ${duplicate.Id}`
      );
    }
    canonical.AssigneeId = to18(assignee);
    canonical.PermissionSetId = to18(permissionSet);
    canonical.IsActive = true;
  }
  if (type === 'PermissionSet') {
    const name = text(canonical.Name);
    if (!name || !canonical.Label) {
      const missing = ['Label', 'Name'].filter((f) => !canonical[f]);
      throw new ApiError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing
      );
    }
    const existing = state.db.where('PermissionSet', (p) => String(p.Name).toLowerCase() === name.toLowerCase())[0];
    if (existing) {
      throw new ApiError(400, 'DUPLICATE_DEVELOPER_NAME', `The API name ${name} is already in use.`, ['Name']);
    }
    canonical.IsOwnedByProfile = false;
    canonical.Type = 'Regular';
  }
  return state.db.insert(type, canonical);
}

/** Updates one record with the type's rules. */
export function updateRecord(state: OrgState, type: string, id: string, values: Record<string, unknown>): SRecord {
  if (!isSalesforceId(id) || !state.db.get(type, id)) {
    throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  if (type === 'User') return state.updateUser(id, values);
  const canonical = canonicalValues(state, type, values);
  if (type === 'PermissionSet' && state.db.get(type, id)?.IsOwnedByProfile === true) {
    throw new ApiError(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
  }
  return state.db.update(type, id, canonical);
}

function deleteRecord(state: OrgState, type: string, id: string): void {
  if (!isSalesforceId(id) || !state.db.get(type, id)) {
    throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  }
  if (type === 'User') {
    throw new ApiError(
      400,
      'DELETE_FAILED',
      'Your attempt to delete this user could not be completed because users cannot be deleted. Deactivate the user instead.'
    );
  }
  state.db.delete(type, id);
}

function collectionError(error: unknown): Record<string, unknown> {
  const e = error instanceof ApiError ? error : new ApiError(500, 'UNKNOWN_EXCEPTION', String(error));
  return { success: false, errors: [{ statusCode: e.errorCode, message: e.message, fields: e.fields }] };
}

const HALTED = 'The transaction was rolled back since another operation in the same transaction failed.';

/** Replaces `@{referenceId.path}` references with values from earlier subrequest results. */
function resolveReferences(text: string, results: Map<string, unknown>): string {
  return text.replace(/@\{([\w]+)((?:\.[\w]+|\[\d+\])*)\}/g, (whole, ref: string, path: string) => {
    let value = results.get(ref);
    for (const part of path.match(/[\w]+|\d+/g) ?? []) {
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (value === undefined || value === null) {
      throw new ApiError(
        400,
        'INVALID_FIELD',
        `Invalid reference specified. No value for ${whole.slice(2, -1)} found in ${ref}.`
      );
    }
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * POST /composite: up to 25 subrequests in order, `@{ref.field}` references, allOrNone with a real rollback (the
 * shapes of fixtures/rest/other/composite_response_*__camel.json).
 */
async function composite(ctx: RouteContext): Promise<EmulatorResponse> {
  const body = ctx.json<{ allOrNone?: boolean; compositeRequest?: Array<Record<string, unknown>> }>();
  const requests = body?.compositeRequest ?? [];
  if (requests.length > 25) {
    return restError(400, 'LIMIT_EXCEEDED', 'Exceeded max limit of subrequests allowed in a composite request (25)');
  }
  const snapshot = ctx.state.db.snapshot();
  const results = new Map<string, unknown>();
  const out: Array<{
    body: unknown;
    httpHeaders: Record<string, string>;
    httpStatusCode: number;
    referenceId: string;
  }> = [];
  let failedAt = -1;
  for (const [index, sub] of requests.entries()) {
    const referenceId = text(sub.referenceId);
    let response: EmulatorResponse;
    try {
      const url = resolveReferences(text(sub.url), results);
      const subBody =
        sub.body === undefined
          ? undefined
          : (JSON.parse(resolveReferences(JSON.stringify(sub.body), results)) as unknown);
      response = await ctx.dispatch(text(sub.method || 'GET'), url, subBody);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      response = restError(error.status, error.errorCode, error.message, error.fields);
    }
    const headers: Record<string, string> = {};
    const id = (response.body as { id?: string } | undefined)?.id;
    if (response.status === 201 && id) {
      const type = /\/sobjects\/(\w+)/.exec(text(sub.url))?.[1] ?? '';
      headers.Location = `/services/data/v${ctx.params.version}/sobjects/${type}/${id}`;
    }
    results.set(referenceId, response.body);
    out.push({ body: response.body ?? null, httpHeaders: headers, httpStatusCode: response.status, referenceId });
    if (response.status >= 400 && body?.allOrNone) {
      failedAt = index;
      break;
    }
  }
  if (failedAt >= 0) {
    ctx.state.db.restore(snapshot);
    ctx.state.refreshLicenses();
    const halted = (referenceId: string) => ({
      body: [{ errorCode: 'PROCESSING_HALTED', message: HALTED }],
      httpHeaders: {},
      httpStatusCode: 400,
      referenceId
    });
    return {
      status: 200,
      body: {
        compositeResponse: requests.map((sub, i) => (i === failedAt ? out[i] : halted(text(sub.referenceId))))
      }
    };
  }
  return { status: 200, body: { compositeResponse: out } };
}

/** Core REST routes: versions, resources, query/queryAll with paging, sObject CRUD, collections, password, limits. */
export function restModule(): EmulatorModule {
  return {
    name: 'rest',
    routes: [
      {
        method: 'GET',
        path: '/services/data',
        auth: 'none',
        handler: (ctx) => ({ status: 200, body: versionList(ctx.state.settings.maxApiVersion) })
      },
      {
        method: 'GET',
        path: '/services/data/:version',
        handler: (ctx) => {
          const base = `/services/data/v${ctx.params.version}`;
          return {
            status: 200,
            body: {
              tooling: `${base}/tooling`,
              metadata: `${base}/metadata`,
              query: `${base}/query`,
              sobjects: `${base}/sobjects`,
              composite: `${base}/composite`,
              limits: `${base}/limits`,
              jobs: `${base}/jobs`,
              identity: `${ctx.baseUrl}/id/${ctx.state.orgId}/${ctx.session?.userId ?? ''}`
            }
          };
        }
      },
      { method: 'GET', path: '/services/data/:version/query', handler: (ctx) => queryResponse(ctx, ctx.state.db) },
      { method: 'GET', path: '/services/data/:version/queryAll', handler: (ctx) => queryResponse(ctx, ctx.state.db) },
      {
        method: 'GET',
        path: '/services/data/:version/query/:locator',
        handler: (ctx) => {
          const locator = locators(ctx.state).get(ctx.params.locator);
          if (!locator) return restError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
          const key = ctx.params.locator.replace(/-\d+$/, '');
          return { status: 200, body: page(ctx.state, ctx.params.version, key, locator) };
        }
      },
      {
        method: 'GET',
        path: '/services/data/:version/limits',
        handler: (ctx) => {
          const used = ctx.state.requests.length;
          return {
            status: 200,
            body: {
              DailyApiRequests: { Max: 15000, Remaining: Math.max(15000 - used, 0) },
              DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
              DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
              SingleEmail: { Max: 15, Remaining: Math.max(15 - ctx.state.outbox.length, 0) }
            }
          };
        }
      },
      {
        method: 'GET',
        path: '/services/data/:version/sobjects',
        handler: (ctx) => ({
          status: 200,
          body: {
            encoding: 'UTF-8',
            maxBatchSize: 200,
            sobjects: ctx.state.db.types().map((name) => ({
              name,
              label: name,
              keyPrefix: KEY_PREFIX[name] ?? null,
              queryable: true,
              createable: name !== 'Organization' && name !== 'UserLicense',
              updateable: name !== 'UserLicense',
              urls: { sobject: `/services/data/v${ctx.params.version}/sobjects/${name}` }
            }))
          }
        })
      },
      {
        method: 'GET',
        path: '/services/data/:version/sobjects/:type/describe',
        handler: (ctx) => {
          const type = schemaOr404(ctx.state, ctx.params.type);
          const schema = ctx.state.db.schema(type);
          return {
            status: 200,
            body: {
              name: type,
              keyPrefix: KEY_PREFIX[type] ?? null,
              fields: (schema?.fields ?? []).map((name) => ({ name, label: name })),
              childRelationships: []
            }
          };
        }
      },
      {
        method: 'POST',
        path: '/services/data/:version/sobjects/:type',
        handler: (ctx) => {
          const type = schemaOr404(ctx.state, ctx.params.type);
          const record = insertRecord(ctx.state, type, ctx.json<Record<string, unknown>>() ?? {});
          return { status: 201, body: { id: record.Id, success: true, errors: [] } };
        }
      },
      {
        method: 'GET',
        path: '/services/data/:version/sobjects/:type/:id',
        handler: (ctx) => {
          const type = schemaOr404(ctx.state, ctx.params.type);
          const record = isSalesforceId(ctx.params.id) ? ctx.state.db.get(type, ctx.params.id) : undefined;
          if (!record) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
          const fields = ctx.url.searchParams
            .get('fields')
            ?.split(',')
            .map((f) => f.trim());
          return { status: 200, body: recordBody(type, record, ctx.params.version, fields) };
        }
      },
      {
        method: 'PATCH',
        path: '/services/data/:version/sobjects/:type/:id',
        handler: (ctx) => {
          const type = schemaOr404(ctx.state, ctx.params.type);
          updateRecord(ctx.state, type, ctx.params.id, ctx.json<Record<string, unknown>>() ?? {});
          return { status: 204 };
        }
      },
      {
        method: 'DELETE',
        path: '/services/data/:version/sobjects/:type/:id',
        handler: (ctx) => {
          deleteRecord(ctx.state, schemaOr404(ctx.state, ctx.params.type), ctx.params.id);
          return { status: 204 };
        }
      },
      {
        method: ['GET', 'POST', 'DELETE'],
        path: '/services/data/:version/sobjects/User/:id/password',
        handler: (ctx) => {
          const user = isSalesforceId(ctx.params.id) ? ctx.state.db.get('User', ctx.params.id) : undefined;
          if (!user) return restError(404, 'NOT_FOUND', 'The requested resource does not exist');
          if (ctx.method === 'GET') {
            return { status: 200, body: { isExpired: ctx.state.credentialsOf(user.Id)?.passwordExpired ?? false } };
          }
          if (ctx.method === 'POST') {
            const body = ctx.json<{ NewPassword?: string }>();
            const password = body?.NewPassword ?? '';
            if (password.length < 8 || !/[A-Za-z]/.test(password) || !/\d/.test(password)) {
              return restError(
                400,
                'INVALID_NEW_PASSWORD',
                'Your password must be at least 8 characters long and have a mix of letters and numbers.'
              );
            }
            ctx.state.setPassword(user.Id, password);
            return { status: 204 };
          }
          ctx.state.resetPassword(user.Id);
          // Documented to return a generated password; the emulator returns a placeholder that is never a real one.
          return { status: 200, body: { NewPassword: 'emulator-generated-password' } };
        }
      },
      { method: 'POST', path: '/services/data/:version/composite', handler: composite },
      {
        method: ['POST', 'PATCH'],
        path: '/services/data/:version/composite/sobjects',
        handler: (ctx) => {
          const body = ctx.json<{ allOrNone?: boolean; records?: Array<Record<string, unknown>> }>();
          const records = body?.records ?? [];
          if (records.length > 200) {
            return restError(
              400,
              'EXCEEDED_ID_LIMIT',
              'record limit reached. cannot submit more than 200 records into this call'
            );
          }
          const results = records.map((record) => {
            const attributes = record.attributes as { type?: string } | undefined;
            try {
              const type = schemaOr404(ctx.state, attributes?.type ?? '');
              const { Id, ...values } = record;
              const saved =
                ctx.method === 'POST'
                  ? insertRecord(ctx.state, type, values)
                  : updateRecord(ctx.state, type, text(Id), values);
              return { id: saved.Id, success: true, errors: [] };
            } catch (error) {
              return collectionError(error);
            }
          });
          return { status: 200, body: results };
        }
      },
      {
        method: 'DELETE',
        path: '/services/data/:version/composite/sobjects',
        handler: (ctx) => {
          const ids = (ctx.url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
          return {
            status: 200,
            body: ids.map((id) => {
              try {
                const found = ctx.state.db.getAny(id);
                if (!found) throw new ApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
                deleteRecord(ctx.state, found.type, id);
                return { id: to18(id), success: true, errors: [] };
              } catch (error) {
                return { id, ...collectionError(error) };
              }
            })
          };
        }
      }
    ]
  };
}
