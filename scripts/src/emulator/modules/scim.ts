import { SRecord, text } from '../db';
import { EmulatorModule, EmulatorResponse, RouteContext } from '../http';
import { isSalesforceId, to18 } from '../ids';
import { ApiError, OrgState } from '../state';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Salesforce's documented cap on filter results and on /Entitlements. */
export const SCIM_MAX_RESULTS = 200;
const SCIM_CONTENT = { 'Content-Type': 'application/scim+json;charset=UTF-8' };

/** SCIM state that has no User field: externalId (kept by the emulator per user). */
function externalIds(state: OrgState): Map<string, string> {
  return state.extension<Map<string, string>>('scim.externalIds', () => new Map());
}

function scim(status: number, body: unknown): EmulatorResponse {
  return { status, headers: SCIM_CONTENT, body };
}

/** Entitlements of the org: profiles and (non-profile) permission sets. */
function entitlements(state: OrgState): Array<Record<string, unknown>> {
  const profiles = state.db.all('Profile').map((p) => ({ value: p.Id, display: p.Name, type: 'Profile' }));
  const sets = state.db
    .where('PermissionSet', (ps) => ps.IsOwnedByProfile !== true)
    .map((ps) => ({ value: ps.Id, display: ps.Label, type: 'PermissionSet' }));
  return [...profiles, ...sets].map((e) => ({
    schemas: ['urn:salesforce:schemas:extension:2.0:Entitlement'],
    id: e.value,
    displayName: e.display,
    type: e.type,
    meta: { resourceType: 'Entitlement', location: `/Entitlements/${e.value}` }
  }));
}

/** A User as Salesforce's SCIM API returns it (documented create response; tail INFERRED, sample PARTIAL). */
export function scimUser(state: OrgState, user: SRecord, baseUrl: string): Record<string, unknown> {
  const profile = state.db.get('Profile', text(user.ProfileId));
  const assigned = state.db
    .where('PermissionSetAssignment', (a) => a.AssigneeId === user.Id)
    .map((a) => state.db.get('PermissionSet', text(a.PermissionSetId)))
    .filter((ps): ps is SRecord => ps !== undefined && ps.IsOwnedByProfile !== true);
  const ents = [
    ...(profile
      ? [
          {
            value: profile.Id,
            $ref: `/Entitlements/${profile.Id}`,
            display: profile.Name,
            type: 'Profile',
            primary: true
          }
        ]
      : []),
    ...assigned.map((ps) => ({
      value: ps.Id,
      $ref: `/Entitlements/${ps.Id}`,
      display: ps.Label,
      type: 'PermissionSet',
      primary: false
    }))
  ];
  const out: Record<string, unknown> = {
    schemas: [CORE_USER, ENTERPRISE_USER],
    id: user.Id,
    userName: text(user.Username).toLowerCase(),
    name: {
      formatted: text(user.Name),
      familyName: user.LastName,
      givenName: user.FirstName ?? undefined
    },
    displayName: user.Name,
    nickName: user.CommunityNickname,
    emails: [{ type: 'work', primary: true, value: user.Email }],
    photos: [
      { type: 'photo', value: `${baseUrl}/profilephoto/005/F` },
      { type: 'thumbnail', value: `${baseUrl}/profilephoto/005/T` }
    ],
    userType: user.UserType ?? 'Standard',
    title: user.Title ?? undefined,
    preferredLanguage: user.LanguageLocaleKey,
    emailEncodingKey: user.EmailEncodingKey,
    locale: user.LocaleSidKey,
    timezone: user.TimeZoneSidKey,
    active: user.IsActive === true,
    entitlements: ents,
    [ENTERPRISE_USER]: {
      department: user.Department ?? undefined,
      employeeNumber: user.EmployeeNumber ?? undefined,
      organization: user.CompanyName ?? undefined
    },
    meta: {
      created: user.CreatedDate,
      lastModified: user.LastModifiedDate,
      location: `${baseUrl}/services/scim/v2/Users/${user.Id}`,
      resourceType: 'User',
      version: `${Date.parse(text(user.SystemModstamp).replace('+0000', 'Z'))}`
    }
  };
  const externalId = externalIds(state).get(user.Id);
  if (externalId !== undefined) out.externalId = externalId;
  return out;
}

function requireManageUsers(ctx: RouteContext): void {
  if (!ctx.state.effectivePermissions(ctx.session?.userId ?? '').has('PermissionsManageUsers')) {
    // INFERRED detail text; the Help pages say creating/updating users needs Manage Users.
    throw new ApiError(403, 'INSUFFICIENT_ACCESS', 'insufficient access rights: Manage Users is required');
  }
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  // Entra sends "True"/"False" strings; whether Salesforce accepts them is UNCONFIRMED; the emulator does.
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

interface UserChanges {
  fields: Record<string, unknown>;
  profileId?: string;
  permissionSets: string[];
  externalId?: string;
}

/** Maps SCIM attributes (a full resource or a PATCH value object) onto User fields. */
function mapAttributes(state: OrgState, input: Record<string, unknown>, changes: UserChanges): void {
  for (const [key, value] of Object.entries(input)) {
    const lower = key.toLowerCase();
    if (lower === 'username') changes.fields.Username = text(value).toLowerCase();
    else if (lower === 'externalid') changes.externalId = text(value);
    else if (lower === 'active') {
      const active = asBoolean(value);
      if (active === undefined) throw new ApiError(400, 'INVALID_TYPE', `active must be a boolean`);
      changes.fields.IsActive = active;
    } else if (lower === 'name' && value && typeof value === 'object') {
      const name = value as Record<string, unknown>;
      if (name.familyName !== undefined) changes.fields.LastName = name.familyName;
      if (name.givenName !== undefined) changes.fields.FirstName = name.givenName;
    } else if (lower === 'name.familyname') changes.fields.LastName = value;
    else if (lower === 'name.givenname') changes.fields.FirstName = value;
    else if (lower === 'nickname') changes.fields.CommunityNickname = value;
    else if (lower === 'title') changes.fields.Title = value;
    else if (lower === 'locale') changes.fields.LocaleSidKey = value;
    else if (lower === 'timezone') changes.fields.TimeZoneSidKey = value;
    else if (lower === 'preferredlanguage') changes.fields.LanguageLocaleKey = value;
    else if (lower === 'emailencodingkey') changes.fields.EmailEncodingKey = value;
    else if (lower === 'emails' && Array.isArray(value)) {
      const emails = value as Array<{ value?: string; primary?: unknown }>;
      const primary = emails.find((e) => asBoolean(e.primary) === true) ?? emails[0];
      if (primary?.value) changes.fields.Email = primary.value;
    } else if (lower === 'phonenumbers' && Array.isArray(value)) {
      if (value.length > 1) {
        throw new ApiError(400, 'INVALID_FIELD', 'you can assign only one phone number for each user');
      }
      const phone = value[0] as { value?: string } | undefined;
      if (phone?.value) changes.fields.Phone = phone.value;
    } else if (lower === 'entitlements' && Array.isArray(value)) {
      for (const e of value as Array<{ value?: string }>) {
        const id = text(e.value);
        if (!isSalesforceId(id)) throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid entitlement ${id}`);
        if (state.db.get('Profile', id)) {
          if (changes.profileId && changes.profileId !== to18(id)) {
            throw new ApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'user can have only one profile entitlement');
          }
          changes.profileId = to18(id);
        } else if (state.db.get('PermissionSet', id)) changes.permissionSets.push(to18(id));
        else throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid entitlement ${id}`);
      }
    } else if (key === ENTERPRISE_USER && value && typeof value === 'object') {
      const ext = value as Record<string, unknown>;
      if (ext.department !== undefined) changes.fields.Department = ext.department;
      if (ext.employeeNumber !== undefined) changes.fields.EmployeeNumber = ext.employeeNumber;
      if (ext.organization !== undefined) changes.fields.CompanyName = ext.organization;
    } else if (lower.startsWith(`${ENTERPRISE_USER.toLowerCase()}:`)) {
      mapAttributes(state, { [ENTERPRISE_USER]: { [key.slice(ENTERPRISE_USER.length + 1)]: value } }, changes);
    }
  }
}

function assignPermissionSets(state: OrgState, userId: string, ids: string[]): void {
  for (const id of ids) {
    const exists = state.db.where(
      'PermissionSetAssignment',
      (a) => a.AssigneeId === userId && a.PermissionSetId === id
    )[0];
    if (!exists)
      state.db.insert('PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: id, IsActive: true });
  }
}

function createScimUser(ctx: RouteContext): EmulatorResponse {
  requireManageUsers(ctx);
  const state = ctx.state;
  const body = ctx.json<Record<string, unknown>>() ?? {};
  const changes: UserChanges = { fields: {}, permissionSets: [] };
  mapAttributes(state, body, changes);
  if (!changes.profileId) {
    // REAL body: fixtures/scim-salesforce/error_409_REQUIRED_FIELD_MISSING_no_profile_entitlement__entra-qna.txt
    return scim(409, {
      schemas: '["urn:ietf:params:scim:api:messages:2.0:Error"]',
      detail: 'REQUIRED_FIELD_MISSING:user_must_have_one_entitlement_which_must_be_a_profileid;',
      status: 409
    });
  }
  const org = state.db.all('Organization')[0];
  const username = text(changes.fields.Username);
  const user = state.createUser({
    Alias:
      username
        .replace(/@.*/, '')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 8) || 'scim',
    TimeZoneSidKey: org?.TimeZoneSidKey,
    LocaleSidKey: org?.DefaultLocaleSidKey,
    LanguageLocaleKey: org?.LanguageLocaleKey,
    EmailEncodingKey: 'UTF-8',
    CommunityNickname: text(body.nickName) || username,
    ...changes.fields,
    ProfileId: changes.profileId
  });
  assignPermissionSets(state, user.Id, changes.permissionSets);
  if (changes.externalId !== undefined) externalIds(state).set(user.Id, changes.externalId);
  return scim(201, scimUser(state, user, ctx.baseUrl));
}

function findUser(ctx: RouteContext): SRecord {
  const id = ctx.params.id;
  const user = isSalesforceId(id) ? ctx.state.db.get('User', id) : undefined;
  if (!user) throw new ApiError(404, 'NOT_FOUND', `Resource ${id} not found`);
  return user;
}

function applyChanges(ctx: RouteContext, user: SRecord, changes: UserChanges): EmulatorResponse {
  const fields = { ...changes.fields };
  if (changes.profileId) fields.ProfileId = changes.profileId;
  if (Object.keys(fields).length > 0) ctx.state.updateUser(user.Id, fields);
  assignPermissionSets(ctx.state, user.Id, changes.permissionSets);
  if (changes.externalId !== undefined) externalIds(ctx.state).set(user.Id, changes.externalId);
  return scim(200, scimUser(ctx.state, findUser(ctx), ctx.baseUrl));
}

function patchUser(ctx: RouteContext): EmulatorResponse {
  requireManageUsers(ctx);
  const user = findUser(ctx);
  const body = ctx.json<{ schemas?: string[]; Operations?: Array<{ op?: string; path?: string; value?: unknown }> }>();
  if (!body?.schemas?.includes(PATCH_OP) || !Array.isArray(body.Operations)) {
    throw new ApiError(400, 'INVALID_INPUT', 'the request must be a PatchOp with Operations');
  }
  const changes: UserChanges = { fields: {}, permissionSets: [] };
  for (const op of body.Operations) {
    const kind = (op.op ?? '').toLowerCase();
    if (!['add', 'replace', 'remove'].includes(kind)) {
      throw new ApiError(400, 'INVALID_INPUT', `unsupported op ${text(op.op)}`);
    }
    if (kind === 'remove') {
      if (op.path?.toLowerCase() === 'entitlements' && Array.isArray(op.value)) {
        for (const e of op.value as Array<{ value?: string }>) {
          for (const a of ctx.state.db.where(
            'PermissionSetAssignment',
            (x) => x.AssigneeId === user.Id && x.PermissionSetId === to18(text(e.value))
          )) {
            ctx.state.db.delete('PermissionSetAssignment', a.Id);
          }
        }
        continue;
      }
      throw new ApiError(400, 'INVALID_INPUT', `remove is supported for entitlements only`);
    }
    if (op.path) {
      const path = op.path.replace(/^emails\[.*\]\.value$/i, 'emails');
      const value = path === 'emails' && typeof op.value === 'string' ? [{ value: op.value, primary: true }] : op.value;
      mapAttributes(ctx.state, { [path]: value }, changes);
    } else if (op.value && typeof op.value === 'object') {
      mapAttributes(ctx.state, op.value as Record<string, unknown>, changes);
    }
  }
  return applyChanges(ctx, user, changes);
}

/** A tiny SCIM filter: `attr op "value"` clauses joined by and/or, evaluated left to right (Salesforce's rule). */
function filterUsers(state: OrgState, filter: string, baseUrl: string): Array<Record<string, unknown>> {
  const clause = /^\s*([\w.:]+)\s+(eq|ne|co|sw|ew|pr)\s*(?:"((?:[^"\\]|\\.)*)"|(true|false|null))?\s*/i;
  const parts: Array<{ attr: string; op: string; value: string | undefined; join?: string }> = [];
  let rest = filter;
  let join: string | undefined;
  while (rest.trim() !== '') {
    const m = clause.exec(rest);
    if (!m) throw new ApiError(400, 'INVALID_FILTER', `invalid filter: ${filter}`);
    const value = m[3] ?? m[4];
    if (value === undefined && m[2].toLowerCase() !== 'pr')
      throw new ApiError(400, 'INVALID_FILTER', `invalid filter: ${filter}`);
    parts.push({ attr: m[1], op: m[2].toLowerCase(), value, join });
    rest = rest.slice(m[0].length);
    const j = /^(and|or)\s+/i.exec(rest);
    join = j?.[1].toLowerCase();
    if (j) rest = rest.slice(j[0].length);
    else if (rest.trim() !== '') throw new ApiError(400, 'INVALID_FILTER', `invalid filter: ${filter}`);
  }
  return state.db
    .all('User')
    .map((u) => scimUser(state, u, baseUrl))
    .filter((resource) => {
      let result = true;
      for (const [i, part] of parts.entries()) {
        const raw = attribute(resource, part.attr);
        const actual = raw === undefined || raw === null ? undefined : text(raw).toLowerCase();
        const expected = part.value?.toLowerCase();
        let hit: boolean;
        switch (part.op) {
          case 'pr':
            hit = actual !== undefined && actual !== '';
            break;
          case 'ne':
            hit = actual !== expected;
            break;
          case 'co':
            hit = actual !== undefined && expected !== undefined && actual.includes(expected);
            break;
          case 'sw':
            hit = actual !== undefined && expected !== undefined && actual.startsWith(expected);
            break;
          case 'ew':
            hit = actual !== undefined && expected !== undefined && actual.endsWith(expected);
            break;
          default:
            hit = actual === expected;
        }
        result = i === 0 ? hit : part.join === 'or' ? result || hit : result && hit;
      }
      return result;
    });
}

function attribute(resource: Record<string, unknown>, path: string): unknown {
  const lower = path.toLowerCase();
  if (lower === 'emails' || lower === 'emails.value') {
    return (resource.emails as Array<{ value: string }>)[0]?.value;
  }
  let current: unknown = resource;
  for (const segment of path.split('.')) {
    if (!current || typeof current !== 'object') return undefined;
    const entry = Object.entries(current as Record<string, unknown>).find(
      ([k]) => k.toLowerCase() === segment.toLowerCase()
    );
    current = entry?.[1];
  }
  return current;
}

function listResponse(all: Array<Record<string, unknown>>, url: URL): EmulatorResponse {
  const startIndex = Math.max(Number(url.searchParams.get('startIndex') ?? '1') || 1, 1);
  const requested = Number(url.searchParams.get('count') ?? String(SCIM_MAX_RESULTS));
  const count = Math.min(Number.isFinite(requested) ? Math.max(requested, 0) : SCIM_MAX_RESULTS, SCIM_MAX_RESULTS);
  const page = all.slice(startIndex - 1, startIndex - 1 + count);
  return scim(200, {
    schemas: [LIST],
    totalResults: all.length,
    itemsPerPage: page.length,
    startIndex,
    Resources: page
  });
}

/** ServiceProviderConfigs as documented (PARTIAL sample: fixtures/scim-salesforce/ServiceProviderConfigs...). */
export function serviceProviderConfig(): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://help.salesforce.com/HTViewHelpDoc?id=identity_scim_overview.htm',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: SCIM_MAX_RESULTS },
    changePassword: { supported: true },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauth2',
        name: 'OAuth v2.0',
        description: 'Authentication scheme using the OAuth Standard',
        specUri: 'http://tools.ietf.org/html/rfc6749',
        primary: true
      }
    ]
  };
}

/**
 * Salesforce's SCIM 2.0 API at /services/scim/v2 with its rules: a Profile entitlement is required on create
 * (the REAL 409 body), usernames in email form and unique across orgs, deactivate instead of delete, filters and
 * /Entitlements capped at 200 results, PATCH in the value-object and path forms.
 */
export function scimModule(): EmulatorModule {
  const base = '/services/scim/v2';
  return {
    name: 'scim',
    routes: [
      { method: 'GET', path: `${base}/ServiceProviderConfigs`, handler: () => scim(200, serviceProviderConfig()) },
      {
        method: 'GET',
        path: `${base}/ResourceTypes`,
        handler: () =>
          scim(200, {
            schemas: [LIST],
            totalResults: 4,
            Resources: ['User', 'Group', 'Entitlement', 'Role'].map((name) => ({
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
              id: name,
              name,
              endpoint: `/${name}s`,
              schema: name === 'User' ? CORE_USER : `urn:ietf:params:scim:schemas:core:2.0:${name}`
            }))
          })
      },
      {
        method: 'GET',
        path: `${base}/Entitlements`,
        handler: (ctx) => {
          const all = entitlements(ctx.state);
          return listResponse(all.slice(0, SCIM_MAX_RESULTS), ctx.url);
        }
      },
      {
        method: 'GET',
        path: `${base}/Entitlements/:id`,
        errorStyle: 'scim',
        handler: (ctx) => {
          const found = entitlements(ctx.state).find((e) => e.id === to18(ctx.params.id));
          if (!found) throw new ApiError(404, 'NOT_FOUND', `Resource ${ctx.params.id} not found`);
          return scim(200, found);
        }
      },
      {
        method: 'GET',
        path: `${base}/Users`,
        errorStyle: 'scim',
        handler: (ctx) => {
          const filter = ctx.url.searchParams.get('filter');
          const all = filter
            ? filterUsers(ctx.state, filter, ctx.baseUrl)
            : ctx.state.db.all('User').map((u) => scimUser(ctx.state, u, ctx.baseUrl));
          return listResponse(all, ctx.url);
        }
      },
      { method: 'POST', path: `${base}/Users`, errorStyle: 'scim', handler: createScimUser },
      {
        method: 'GET',
        path: `${base}/Users/:id`,
        errorStyle: 'scim',
        handler: (ctx) => scim(200, scimUser(ctx.state, findUser(ctx), ctx.baseUrl))
      },
      {
        method: 'PUT',
        path: `${base}/Users/:id`,
        errorStyle: 'scim',
        handler: (ctx) => {
          requireManageUsers(ctx);
          const user = findUser(ctx);
          const changes: UserChanges = { fields: {}, permissionSets: [] };
          mapAttributes(ctx.state, ctx.json<Record<string, unknown>>() ?? {}, changes);
          return applyChanges(ctx, user, changes);
        }
      },
      { method: 'PATCH', path: `${base}/Users/:id`, errorStyle: 'scim', handler: patchUser },
      {
        method: 'DELETE',
        path: `${base}/Users/:id`,
        errorStyle: 'scim',
        handler: (ctx) => {
          // Salesforce never deletes users; DELETE deactivates (secondary source: NetIQ SCIM driver docs).
          requireManageUsers(ctx);
          const user = findUser(ctx);
          ctx.state.updateUser(user.Id, { IsActive: false });
          return { status: 204 };
        }
      },
      {
        method: 'GET',
        path: `${base}/Me`,
        errorStyle: 'scim',
        handler: (ctx) => {
          const user = ctx.state.db.get('User', ctx.session?.userId ?? '');
          if (!user) throw new ApiError(404, 'NOT_FOUND', 'Resource not found');
          return scim(200, scimUser(ctx.state, user, ctx.baseUrl));
        }
      },
      {
        method: 'GET',
        path: `${base}/Groups`,
        handler: (ctx) => listResponse([], ctx.url)
      }
    ]
  };
}
