import { usageError } from '../cli/errors';

/**
 * Where each canonical field comes from, per kind of input. A CSV source lists header names (matched ignoring case);
 * a JSON source lists paths (`name.givenName`; a URN schema prefix stays whole:
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department`; `emails[primary].value` picks the element
 * marked primary, else the first). The first candidate present wins.
 */
export type Canonical =
  | 'key'
  | 'id'
  | 'active'
  | 'lastLogin'
  | 'created'
  | 'licence'
  | 'email'
  | 'givenName'
  | 'familyName'
  | 'displayName'
  | 'title'
  | 'department'
  | 'employeeNumber'
  | 'federationId'
  | 'externalId';

/** Attributes that can be compared for drift, and how: e-mail-like values ignore case, the rest are exact. */
export const ATTRIBUTES = [
  'email',
  'givenName',
  'familyName',
  'displayName',
  'title',
  'department',
  'employeeNumber',
  'federationId',
  'externalId'
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
export const CASE_INSENSITIVE_ATTRIBUTES: ReadonlySet<Attribute> = new Set<Attribute>(['email', 'federationId']);
export const DEFAULT_COMPARE: Attribute[] = ['email', 'givenName', 'familyName', 'title', 'department'];

/** How a source says an account is active. */
export type ActiveRule = 'boolean' | 'okta-status';

export interface Profile {
  name: string;
  /** Candidates for each canonical field: CSV header names or JSON paths. */
  map: Partial<Record<Canonical, string[]>>;
  active: ActiveRule;
  /** Whether a row without an active value counts as active (SCIM: `active` is optional). */
  activeDefault: boolean;
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Salesforce User rows: a Bulk API 2.0 query result, a Data Loader export or a report export. */
export const SALESFORCE: Profile = {
  name: 'salesforce',
  active: 'boolean',
  activeDefault: false,
  map: {
    key: ['Username'],
    id: ['Id', 'User ID'],
    active: ['IsActive', 'Active'],
    lastLogin: ['LastLoginDate', 'Last Login'],
    created: ['CreatedDate', 'Created Date'],
    licence: ['Profile.UserLicense.Name', 'UserLicense.Name', 'User License', 'Licence', 'License'],
    email: ['Email'],
    givenName: ['FirstName', 'First Name'],
    familyName: ['LastName', 'Last Name'],
    displayName: ['Name', 'Full Name'],
    title: ['Title'],
    department: ['Department'],
    employeeNumber: ['EmployeeNumber'],
    federationId: ['FederationIdentifier'],
    externalId: ['Id']
  }
};

/** SCIM 2.0 User resources (RFC 7643), one per line or in a ListResponse. */
export const SCIM: Profile = {
  name: 'scim',
  active: 'boolean',
  activeDefault: true,
  map: {
    key: ['userName'],
    id: ['id'],
    active: ['active'],
    email: ['emails[primary].value'],
    givenName: ['name.givenName'],
    familyName: ['name.familyName'],
    displayName: ['displayName'],
    title: ['title'],
    department: [`${ENTERPRISE}.department`],
    employeeNumber: [`${ENTERPRISE}.employeeNumber`],
    externalId: ['externalId']
  }
};

/** Microsoft Entra ID: the admin center's "Download users" CSV, or Graph `/users` JSON. */
export const ENTRA: Profile = {
  name: 'entra',
  active: 'boolean',
  activeDefault: true,
  map: {
    key: ['userPrincipalName'],
    id: ['id', 'objectId'],
    active: ['accountEnabled'],
    lastLogin: ['signInActivity.lastSignInDateTime', 'lastSignInDateTime'],
    created: ['createdDateTime'],
    email: ['mail'],
    givenName: ['givenName'],
    familyName: ['surname'],
    displayName: ['displayName'],
    title: ['jobTitle'],
    department: ['department'],
    employeeNumber: ['employeeId']
  }
};

/** Okta: `/api/v1/users` JSON, or a CSV with Okta profile attribute names. */
export const OKTA: Profile = {
  name: 'okta',
  active: 'okta-status',
  activeDefault: false,
  map: {
    key: ['profile.login', 'login', 'Username'],
    id: ['id', 'Okta ID'],
    active: ['status', 'Status'],
    lastLogin: ['lastLogin', 'Last Login'],
    created: ['created'],
    email: ['profile.email', 'email', 'Primary email'],
    givenName: ['profile.firstName', 'firstName', 'First name'],
    familyName: ['profile.lastName', 'lastName', 'Last name'],
    displayName: ['profile.displayName', 'displayName'],
    title: ['profile.title', 'title'],
    department: ['profile.department', 'department'],
    employeeNumber: ['profile.employeeNumber', 'employeeNumber']
  }
};

export const TARGET_PROFILES: Record<string, Profile> = {
  scim: SCIM,
  entra: ENTRA,
  okta: OKTA,
  salesforce: SALESFORCE
};

/** Okta user statuses that can sign in (https://developer.okta.com/docs/reference/api/users/#user-status). */
export const OKTA_ACTIVE = new Set(['ACTIVE', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT']);

/**
 * Applies `--sf-map`/`--target-map` style overrides (`field=source`, comma-separated) to a profile. The key column
 * can also be given on its own.
 */
export function withOverrides(profile: Profile, overrides: string | undefined, key?: string): Profile {
  const map: Partial<Record<Canonical, string[]>> = { ...profile.map };
  const known = new Set<string>(['key', 'id', 'active', 'lastLogin', 'created', 'licence', ...ATTRIBUTES]);
  for (const part of (overrides ?? '').split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) {
      throw usageError(`Bad mapping "${item}": expected field=source.`, [
        'Example: --target-map key=mail,department=division'
      ]);
    }
    const field = item.slice(0, eq).trim();
    if (!known.has(field)) {
      throw usageError(`Unknown field "${field}" in mapping "${item}".`, [`Fields: ${[...known].join(', ')}`]);
    }
    map[field as Canonical] = [item.slice(eq + 1).trim()];
  }
  if (key) map.key = [key];
  return { ...profile, map };
}

/** Parses a JSON path as the profiles write it into segments. */
export function splitPath(path: string): string[] {
  if (path.startsWith('urn:')) {
    const colon = path.lastIndexOf(':');
    const dot = path.indexOf('.', colon);
    if (dot < 0) return [path];
    return [path.slice(0, dot), ...path.slice(dot + 1).split('.')];
  }
  return path.split('.');
}
