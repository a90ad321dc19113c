import { EmulatorModule, RouteContext } from '../http';
import { ApiError, OrgState } from '../state';

/**
 * Connect REST API for named and external credentials (ref-orgapi.md §4):
 * - `/named-credentials/external-credentials[/{developerName}]` GET, POST (58.0+), DELETE;
 * - `/named-credentials/named-credential-setup[/{developerName}]` GET, POST (58.0+), DELETE;
 * - `/named-credentials/credential` GET/DELETE (by externalCredential + principalName + principalType), POST
 *   (create), PUT (replace: keys left out are deleted), PATCH (59.0+, Custom protocol only: only keys present).
 * Secret values are kept (tests can read them from `connectState(state)`) but never returned: encrypted values
 * come back masked. UNCONFIRMED, kept plausible: the status codes (201 on create), the mask text, and the error
 * codes/messages for duplicates and unknown external credentials.
 */
interface Principal {
  principalName: string;
  principalType: 'NamedPrincipal' | 'PerUserPrincipal' | 'AwsStsPrincipal';
  sequenceNumber: number;
}

export interface ExternalCredential {
  developerName: string;
  masterLabel: string;
  authenticationProtocol: string;
  principals: Principal[];
  parameters: unknown[];
}

export interface NamedCredentialSetup {
  developerName: string;
  masterLabel: string;
  type: string;
  calloutUrl: string;
  externalCredentials: Array<{ developerName: string }>;
  customHeaders: Array<{ headerName: string; headerValue: string; sequenceNumber: number }>;
  calloutOptions: Record<string, boolean>;
}

export interface StoredCredential {
  externalCredential: string;
  principalName: string;
  principalType: string;
  authenticationProtocol: string;
  authenticationProtocolVariant?: string;
  credentials: Record<string, { value: string; encrypted: boolean }>;
}

export interface ConnectState {
  externalCredentials: Map<string, ExternalCredential>;
  namedCredentials: Map<string, NamedCredentialSetup>;
  credentials: Map<string, StoredCredential>;
}

const KEY = 'connect.namedCredentials';
export const MASK = '********';

export function connectState(state: OrgState): ConnectState {
  return state.extension<ConnectState>(KEY, () => ({
    externalCredentials: new Map(),
    namedCredentials: new Map(),
    credentials: new Map()
  }));
}

function requireVersion(ctx: RouteContext, min: number, what: string): void {
  if (Number(ctx.params.version) < min) {
    throw new ApiError(404, 'NOT_FOUND', `${what} is available in API version ${min.toFixed(1)} and later`);
  }
}

function required(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '')
    throw new ApiError(400, 'INVALID_INPUT', `Missing required field: ${field}`);
  return value;
}

function credentialKey(externalCredential: string, principalType: string, principalName: string): string {
  return `${externalCredential.toLowerCase()}|${principalType}|${principalName.toLowerCase()}`;
}

function credentialView(credential: StoredCredential): Record<string, unknown> {
  const credentials: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(credential.credentials)) {
    credentials[name] = { encrypted: item.encrypted, value: item.encrypted ? MASK : item.value };
  }
  return {
    authenticationProtocol: credential.authenticationProtocol,
    authenticationProtocolVariant: credential.authenticationProtocolVariant ?? null,
    authenticationStatus: Object.keys(credential.credentials).length > 0 ? 'Configured' : 'NotConfigured',
    credentials,
    externalCredential: credential.externalCredential,
    principalName: credential.principalName,
    principalType: credential.principalType
  };
}

function externalView(state: ConnectState, external: ExternalCredential): Record<string, unknown> {
  return {
    developerName: external.developerName,
    masterLabel: external.masterLabel,
    authenticationProtocol: external.authenticationProtocol,
    parameters: external.parameters,
    principals: external.principals.map((principal) => ({
      ...principal,
      authenticationStatus: state.credentials.has(
        credentialKey(external.developerName, principal.principalType, principal.principalName)
      )
        ? 'Configured'
        : 'NotConfigured'
    })),
    relatedNamedCredentials: [...state.namedCredentials.values()]
      .filter((nc) => nc.externalCredentials.some((ec) => ec.developerName === external.developerName))
      .map((nc) => ({ developerName: nc.developerName, masterLabel: nc.masterLabel }))
  };
}

function lookup(ctx: RouteContext): {
  key: string;
  external: ExternalCredential;
  principalName: string;
  principalType: string;
} {
  const q = ctx.url.searchParams;
  const body = ['POST', 'PUT', 'PATCH'].includes(ctx.method) ? (ctx.json<Record<string, unknown>>() ?? {}) : {};
  const externalName = (body.externalCredential as string | undefined) ?? q.get('externalCredential') ?? '';
  const principalType = (body.principalType as string | undefined) ?? q.get('principalType') ?? '';
  const principalName = (body.principalName as string | undefined) ?? q.get('principalName') ?? '';
  if (!externalName) throw new ApiError(400, 'INVALID_INPUT', 'Missing required field: externalCredential');
  if (!principalType) throw new ApiError(400, 'INVALID_INPUT', 'Missing required field: principalType');
  const external = [...connectState(ctx.state).externalCredentials.values()].find(
    (ec) => ec.developerName.toLowerCase() === externalName.toLowerCase()
  );
  if (!external) throw new ApiError(404, 'NOT_FOUND', `External credential ${externalName} doesn't exist`);
  const principal = external.principals.find(
    (p) =>
      p.principalType === principalType &&
      (principalType !== 'NamedPrincipal' || p.principalName.toLowerCase() === principalName.toLowerCase())
  );
  if (!principal) {
    throw new ApiError(
      404,
      'NOT_FOUND',
      `Principal ${principalName} (${principalType}) doesn't exist on ${external.developerName}`
    );
  }
  return {
    key: credentialKey(external.developerName, principalType, principalName),
    external,
    principalName: principal.principalName,
    principalType
  };
}

function credentialValues(body: Record<string, unknown>): Record<string, { value: string; encrypted: boolean }> {
  const raw = body.credentials;
  if (!raw || typeof raw !== 'object') throw new ApiError(400, 'INVALID_INPUT', 'Missing required field: credentials');
  const out: Record<string, { value: string; encrypted: boolean }> = {};
  for (const [name, item] of Object.entries(raw as Record<string, { value?: unknown; encrypted?: unknown }>)) {
    if (typeof item?.value !== 'string' || typeof item.encrypted !== 'boolean') {
      throw new ApiError(400, 'INVALID_INPUT', `Credential ${name} needs a string value and a boolean encrypted`);
    }
    out[name] = { value: item.value, encrypted: item.encrypted };
  }
  return out;
}

export function namedCredentialsModule(): EmulatorModule {
  const base = '/services/data/:version/named-credentials';
  return {
    name: 'namedCredentials',
    // The principals are also sObjects (ExternalCredentialParameter, API 58.0+), and access to a principal is a
    // SetupEntityAccess row of type ExternalCredentialParameter on a permission set (object reference).
    seed: (state) => {
      state.db.define({
        name: 'ExternalCredential',
        fields: ['DeveloperName', 'MasterLabel', 'AuthenticationProtocol'],
        keyPrefix: '0pt'
      });
      state.db.define({
        name: 'ExternalCredentialParameter',
        fields: ['ExternalCredentialId', 'ParameterName', 'ParameterType', 'SequenceNumber'],
        relationships: { ExternalCredential: { field: 'ExternalCredentialId', to: 'ExternalCredential' } },
        keyPrefix: '0pu'
      });
      // A named credential is also an sObject (NamedCredential, object reference): setup code reads its Id there.
      state.db.define({
        name: 'NamedCredential',
        fields: ['DeveloperName', 'MasterLabel', 'Endpoint'],
        keyPrefix: '0XA'
      });
      state.db.define({
        name: 'SetupEntityAccess',
        fields: ['ParentId', 'SetupEntityId', 'SetupEntityType'],
        relationships: { Parent: { field: 'ParentId', to: 'PermissionSet' } },
        keyPrefix: '0J0'
      });
    },
    routes: [
      {
        method: 'GET',
        path: `${base}/external-credentials`,
        handler: (ctx) => {
          const state = connectState(ctx.state);
          return {
            status: 200,
            body: { externalCredentials: [...state.externalCredentials.values()].map((ec) => externalView(state, ec)) }
          };
        }
      },
      {
        method: 'POST',
        path: `${base}/external-credentials`,
        handler: (ctx) => {
          requireVersion(ctx, 58, 'Creating external credentials');
          const body = ctx.json<Record<string, unknown>>() ?? {};
          const developerName = required(body, 'developerName');
          const state = connectState(ctx.state);
          if (state.externalCredentials.has(developerName.toLowerCase())) {
            throw new ApiError(
              400,
              'DUPLICATE_DEVELOPER_NAME',
              `An external credential named ${developerName} already exists`
            );
          }
          const principals = (Array.isArray(body.principals) ? body.principals : []) as Principal[];
          const external: ExternalCredential = {
            developerName,
            masterLabel: typeof body.masterLabel === 'string' ? body.masterLabel : developerName,
            authenticationProtocol: required(body, 'authenticationProtocol'),
            principals: principals.map((p, index) => ({
              principalName: p.principalName,
              principalType: p.principalType,
              sequenceNumber: p.sequenceNumber ?? index + 1
            })),
            parameters: Array.isArray(body.parameters) ? body.parameters : []
          };
          state.externalCredentials.set(developerName.toLowerCase(), external);
          const record = ctx.state.db.insert('ExternalCredential', {
            DeveloperName: developerName,
            MasterLabel: external.masterLabel,
            AuthenticationProtocol: external.authenticationProtocol
          });
          for (const principal of external.principals) {
            ctx.state.db.insert('ExternalCredentialParameter', {
              ExternalCredentialId: record.Id,
              ParameterName: principal.principalName,
              ParameterType: principal.principalType,
              SequenceNumber: principal.sequenceNumber
            });
          }
          return { status: 201, body: externalView(state, external) };
        }
      },
      {
        method: ['GET', 'DELETE'],
        path: `${base}/external-credentials/:name`,
        handler: (ctx) => {
          const state = connectState(ctx.state);
          const external = state.externalCredentials.get(ctx.params.name.toLowerCase());
          if (!external) throw new ApiError(404, 'NOT_FOUND', `External credential ${ctx.params.name} doesn't exist`);
          if (ctx.method === 'GET') return { status: 200, body: externalView(state, external) };
          state.externalCredentials.delete(ctx.params.name.toLowerCase());
          return { status: 204 };
        }
      },
      {
        method: 'GET',
        path: `${base}/named-credential-setup`,
        handler: (ctx) => ({
          status: 200,
          body: { namedCredentials: [...connectState(ctx.state).namedCredentials.values()] }
        })
      },
      {
        method: 'POST',
        path: `${base}/named-credential-setup`,
        handler: (ctx) => {
          requireVersion(ctx, 58, 'Creating named credentials');
          const body = ctx.json<Record<string, unknown>>() ?? {};
          const developerName = required(body, 'developerName');
          const calloutUrl = required(body, 'calloutUrl');
          const state = connectState(ctx.state);
          if (state.namedCredentials.has(developerName.toLowerCase())) {
            throw new ApiError(
              400,
              'DUPLICATE_DEVELOPER_NAME',
              `A named credential named ${developerName} already exists`
            );
          }
          const externals = (Array.isArray(body.externalCredentials) ? body.externalCredentials : []) as Array<{
            developerName: string;
          }>;
          for (const ec of externals) {
            if (!state.externalCredentials.has(String(ec.developerName).toLowerCase())) {
              throw new ApiError(400, 'INVALID_INPUT', `External credential ${ec.developerName} doesn't exist`);
            }
          }
          const setup: NamedCredentialSetup = {
            developerName,
            masterLabel: typeof body.masterLabel === 'string' ? body.masterLabel : developerName,
            type: typeof body.type === 'string' ? body.type : 'SecuredEndpoint',
            calloutUrl,
            externalCredentials: externals,
            customHeaders: (Array.isArray(body.customHeaders)
              ? body.customHeaders
              : []) as NamedCredentialSetup['customHeaders'],
            calloutOptions: (body.calloutOptions ?? {}) as Record<string, boolean>
          };
          state.namedCredentials.set(developerName.toLowerCase(), setup);
          ctx.state.db.insert('NamedCredential', {
            DeveloperName: developerName,
            MasterLabel: setup.masterLabel,
            Endpoint: calloutUrl
          });
          return { status: 201, body: setup };
        }
      },
      {
        method: ['GET', 'DELETE'],
        path: `${base}/named-credential-setup/:name`,
        handler: (ctx) => {
          const state = connectState(ctx.state);
          const setup = state.namedCredentials.get(ctx.params.name.toLowerCase());
          if (!setup) throw new ApiError(404, 'NOT_FOUND', `Named credential ${ctx.params.name} doesn't exist`);
          if (ctx.method === 'GET') return { status: 200, body: setup };
          state.namedCredentials.delete(ctx.params.name.toLowerCase());
          for (const row of ctx.state.db.where(
            'NamedCredential',
            (r) => String(r.DeveloperName).toLowerCase() === ctx.params.name.toLowerCase()
          )) {
            ctx.state.db.delete('NamedCredential', row.Id);
          }
          return { status: 204 };
        }
      },
      {
        method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        path: `${base}/credential`,
        handler: (ctx) => {
          requireVersion(ctx, 56, 'The credential resource');
          const state = connectState(ctx.state);
          const { key, external, principalName, principalType } = lookup(ctx);
          const existing = state.credentials.get(key);
          if (ctx.method === 'GET' || ctx.method === 'DELETE') {
            if (!existing)
              throw new ApiError(404, 'NOT_FOUND', `No credential for ${external.developerName} / ${principalName}`);
            if (ctx.method === 'DELETE') {
              state.credentials.delete(key);
              return { status: 204 };
            }
            return { status: 200, body: credentialView(existing) };
          }
          const body = ctx.json<Record<string, unknown>>() ?? {};
          const protocol = required(body, 'authenticationProtocol');
          if (protocol !== external.authenticationProtocol) {
            throw new ApiError(
              400,
              'INVALID_INPUT',
              `authenticationProtocol ${protocol} does not match ${external.developerName} (${external.authenticationProtocol})`
            );
          }
          const values = credentialValues(body);
          if (ctx.method === 'POST' && existing) {
            throw new ApiError(
              400,
              'DUPLICATE_VALUE',
              `A credential for ${external.developerName} / ${principalName} already exists; use PUT or PATCH`
            );
          }
          if (ctx.method !== 'POST' && !existing)
            throw new ApiError(404, 'NOT_FOUND', `No credential for ${external.developerName} / ${principalName}`);
          if (ctx.method === 'PATCH') {
            requireVersion(ctx, 59, 'PATCH of credentials');
            if (protocol !== 'Custom')
              throw new ApiError(400, 'INVALID_INPUT', 'PATCH is supported for the Custom protocol only');
          }
          const credential: StoredCredential = {
            externalCredential: external.developerName,
            principalName,
            principalType,
            authenticationProtocol: protocol,
            authenticationProtocolVariant:
              typeof body.authenticationProtocolVariant === 'string' ? body.authenticationProtocolVariant : undefined,
            credentials: ctx.method === 'PATCH' && existing ? { ...existing.credentials, ...values } : values
          };
          state.credentials.set(key, credential);
          return { status: ctx.method === 'POST' ? 201 : 200, body: credentialView(credential) };
        }
      }
    ]
  };
}
