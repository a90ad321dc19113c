import { Database, sfNow, SRecord, text } from './db';
import { IdGenerator, randomText, to18 } from './ids';

/** An API error as Salesforce reports it: HTTP status, error code, message and the fields involved. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = []
  ) {
    super(message);
    this.name = errorCode;
  }
}

/**
 * Org-wide switches a test or the demo can flip to drive each readiness finding. Defaults describe a new
 * (Winter '26+) Developer Edition org: SOAP login() off, Use Any API Auth enforced, ECAs on, Connected App creation
 * blocked.
 */
export interface OrgSettings {
  /** Setup → User Interface → "Enable SOAP API login()". */
  soapLoginEnabled: boolean;
  /** login() callers need the Use Any API Auth permission (enforced by default in new orgs). */
  useAnyApiAuthEnforced: boolean;
  /** Whether the PermissionsUseAnyApiAuth field exists at all (older orgs: "No such column"). */
  useAnyApiAuthFieldExists: boolean;
  /** ExternalClientAppSettings.enableExternalClientApps. */
  externalClientAppsEnabled: boolean;
  /** New Connected Apps cannot be created (Spring '26+): deploying a ConnectedApp fails. */
  connectedAppCreationBlocked: boolean;
  /** API access for the org (API_DISABLED_FOR_ORG when false). */
  apiEnabled: boolean;
  /** Highest API version the org serves (GET /services/data). */
  maxApiVersion: string;
  /** The IP address the emulator treats every caller as coming from. */
  clientIp: string;
  /** Org-wide trusted IP ranges (Network Access): from these, login() needs no security token. */
  trustedIpRanges: Array<{ start: string; end: string; description?: string }>;
  /** Records per query page before nextRecordsUrl is used (Salesforce: up to 2000). */
  queryBatchSize: number;
  /** How many checkDeployStatus polls a deploy stays InProgress before it completes. */
  deployPollsBeforeDone: number;
}

export interface Session {
  token: string;
  userId: string;
  issuedAt: number;
  /** How the session was created: an alias made for tests, SOAP login(), or an OAuth flow. */
  via: 'seed' | 'soap' | 'oauth';
}

/** An email the org would have sent (password reset, welcome, security token). Nothing leaves the emulator. */
export interface SentEmail {
  to: string;
  userId: string;
  kind: 'passwordReset' | 'welcome' | 'securityToken';
  at: string;
}

/** A canned failure for matching requests, to script outages and part-way failures. */
export interface InjectedFault {
  method?: string;
  path: RegExp;
  status: number;
  body: unknown;
  contentType?: string;
  /** How many matching requests fail; undefined means all. */
  times?: number;
}

/** Everything the org knows about a user beyond the User record: password and security token (never queryable). */
interface Credentials {
  password?: string;
  securityToken?: string;
  passwordExpired: boolean;
}

/** A record of one HTTP exchange, kept for tests and the demo (`state.requests`). */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
}

const USER_FIELDS = [
  'Username',
  'FirstName',
  'LastName',
  'Name',
  'Email',
  'Alias',
  'CommunityNickname',
  'TimeZoneSidKey',
  'LocaleSidKey',
  'EmailEncodingKey',
  'LanguageLocaleKey',
  'ProfileId',
  'UserRoleId',
  'IsActive',
  'UserType',
  'FederationIdentifier',
  'Department',
  'Title',
  'CompanyName',
  'EmployeeNumber',
  'Phone',
  'MobilePhone',
  'ManagerId',
  'LastLoginDate',
  'LastPasswordChangeDate',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'CreatedById',
  'LastModifiedById'
];

/** The user permissions the emulator models, on Profile and PermissionSet. */
export const USER_PERMISSIONS = [
  'PermissionsApiEnabled',
  'PermissionsApiUserOnly',
  'PermissionsManageUsers',
  'PermissionsViewSetup',
  'PermissionsModifyAllData',
  'PermissionsViewAllData',
  'PermissionsCustomizeApplication',
  'PermissionsAuthorApex',
  'PermissionsManageInternalUsers',
  'PermissionsResetPasswords',
  'PermissionsUseAnyApiAuth'
];

const REQUIRED_USER_FIELDS = [
  'Username',
  'LastName',
  'Email',
  'Alias',
  'TimeZoneSidKey',
  'LocaleSidKey',
  'EmailEncodingKey',
  'ProfileId',
  'LanguageLocaleKey'
];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Salesforce's message for a username that exists in this or another org (REAL text, see the fixtures). */
export const DUPLICATE_USERNAME_MESSAGE =
  'Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be ' +
  "unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the " +
  "user's email address).";

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/** Whether an IPv4 address falls within [start, end]. */
export function ipInRange(ip: string, start: string, end: string): boolean {
  const n = ipToNumber(ip);
  return n >= ipToNumber(start) && n <= ipToNumber(end);
}

/**
 * The in-memory org behind the emulator: sObject tables (REST and Tooling), users with passwords and security
 * tokens, sessions, sent emails, settings switches and injected faults. Route modules read and change it; tests
 * script it directly (for example `state.settings.soapLoginEnabled = true`).
 */
export class OrgState {
  readonly ids = new IdGenerator();
  readonly db = new Database(this.ids);
  readonly tooling = new Database(this.ids);
  readonly settings: OrgSettings = {
    soapLoginEnabled: false,
    useAnyApiAuthEnforced: true,
    useAnyApiAuthFieldExists: true,
    externalClientAppsEnabled: true,
    connectedAppCreationBlocked: true,
    apiEnabled: true,
    maxApiVersion: '66.0',
    clientIp: '127.0.0.1',
    trustedIpRanges: [],
    queryBatchSize: 2000,
    deployPollsBeforeDone: 1
  };
  readonly sessions = new Map<string, Session>();
  readonly outbox: SentEmail[] = [];
  readonly faults: InjectedFault[] = [];
  readonly requests: RequestLogEntry[] = [];
  /** Usernames taken in other orgs (Salesforce usernames are unique across all orgs). */
  readonly usernamesTakenElsewhere = new Set<string>();
  /** Profile id to its login IP ranges (Profile metadata `loginIpRanges`). */
  readonly profileLoginIpRanges = new Map<string, Array<{ start: string; end: string; description?: string }>>();
  /** Free-form state for route modules added by other features (keyed by module name). */
  readonly extensions = new Map<string, unknown>();

  /** A module's own state under `key` in `extensions`, created by `create` on first use. */
  extension<T>(key: string, create: () => T): T {
    let value = this.extensions.get(key) as T | undefined;
    if (value === undefined) {
      value = create();
      this.extensions.set(key, value);
    }
    return value;
  }
  private readonly credentials = new Map<string, Credentials>();
  orgId = '';
  adminUserId = '';
  baseUrl = 'http://127.0.0.1';

  constructor() {
    this.defineSchema();
    this.seed();
  }

  private defineSchema(): void {
    const db = this.db;
    db.define({
      name: 'Organization',
      fields: [
        'Name',
        'InstanceName',
        'IsSandbox',
        'TrialExpirationDate',
        'NamespacePrefix',
        'OrganizationType',
        'CreatedDate',
        'LanguageLocaleKey',
        'TimeZoneSidKey',
        'DefaultLocaleSidKey'
      ]
    });
    db.define({
      name: 'UserLicense',
      fields: [
        'Name',
        'MasterLabel',
        'LicenseDefinitionKey',
        'Status',
        'TotalLicenses',
        'UsedLicenses',
        'UsedLicensesLastUpdated'
      ]
    });
    db.define({
      name: 'Profile',
      fields: ['Name', 'Description', 'UserLicenseId', 'UserType', ...USER_PERMISSIONS],
      relationships: { UserLicense: { field: 'UserLicenseId', to: 'UserLicense' } }
    });
    db.define({
      name: 'UserRole',
      fields: ['Name', 'DeveloperName', 'ParentRoleId']
    });
    db.define({
      name: 'User',
      fields: USER_FIELDS,
      relationships: {
        Profile: { field: 'ProfileId', to: 'Profile' },
        UserRole: { field: 'UserRoleId', to: 'UserRole' },
        Manager: { field: 'ManagerId', to: 'User' },
        CreatedBy: { field: 'CreatedById', to: 'User' }
      }
    });
    db.define({
      name: 'PermissionSet',
      fields: [
        'Name',
        'Label',
        'Description',
        'IsOwnedByProfile',
        'ProfileId',
        'LicenseId',
        'NamespacePrefix',
        'Type',
        ...USER_PERMISSIONS
      ],
      relationships: {
        Profile: { field: 'ProfileId', to: 'Profile' },
        License: { field: 'LicenseId', to: 'UserLicense' }
      }
    });
    db.define({
      name: 'PermissionSetAssignment',
      fields: ['AssigneeId', 'PermissionSetId', 'PermissionSetGroupId', 'IsActive'],
      relationships: {
        Assignee: { field: 'AssigneeId', to: 'User' },
        PermissionSet: { field: 'PermissionSetId', to: 'PermissionSet' }
      }
    });
    db.define({
      name: 'LoginHistory',
      fields: ['UserId', 'LoginTime', 'LoginType', 'ApiType', 'ApiVersion', 'Status', 'SourceIp', 'Application']
    });
    db.define({ name: 'ConnectedApplication', fields: ['Name', 'CreatedDate'] });
    // Flows as the setup reads them (FlowDefinitionView, object reference: ApiName, ProcessType, IsActive).
    db.define({
      name: 'FlowDefinitionView',
      fields: ['ApiName', 'Label', 'ProcessType', 'IsActive'],
      keyPrefix: '300'
    });
    this.tooling.define({
      name: 'ExternalClientApplication',
      fields: ['DeveloperName', 'MasterLabel', 'ContactEmail', 'DistributionState', 'CreatedDate'],
      keyPrefix: '0xI'
    });
    this.tooling.define({
      name: 'PermissionSet',
      fields: ['Name', 'Label', 'IsOwnedByProfile', ...USER_PERMISSIONS]
    });
  }

  private seed(): void {
    const org = this.db.insert('Organization', {
      Name: 'Provisio Emulator Org',
      InstanceName: 'EMU1',
      IsSandbox: false,
      TrialExpirationDate: null,
      NamespacePrefix: null,
      OrganizationType: 'Developer Edition',
      CreatedDate: '2026-01-15T09:00:00.000+0000',
      LanguageLocaleKey: 'en_US',
      TimeZoneSidKey: 'America/Los_Angeles',
      DefaultLocaleSidKey: 'en_US'
    });
    this.orgId = org.Id;
    const salesforce = this.db.insert('UserLicense', {
      Name: 'Salesforce',
      MasterLabel: 'Salesforce',
      LicenseDefinitionKey: 'SFDC',
      Status: 'Active',
      TotalLicenses: 3,
      UsedLicenses: 0
    });
    const platform = this.db.insert('UserLicense', {
      Name: 'Salesforce Platform',
      MasterLabel: 'Salesforce Platform',
      LicenseDefinitionKey: 'AUL',
      Status: 'Active',
      TotalLicenses: 3,
      UsedLicenses: 0
    });
    const perms = (on: string[]): Record<string, boolean> =>
      Object.fromEntries(USER_PERMISSIONS.map((p) => [p, on.includes(p)]));
    const admin = this.addProfile(
      'System Administrator',
      salesforce.Id,
      perms(USER_PERMISSIONS.filter((p) => p !== 'PermissionsApiUserOnly'))
    );
    this.addProfile('Standard User', salesforce.Id, perms(['PermissionsApiEnabled']));
    this.addProfile('Minimum Access - Salesforce', salesforce.Id, perms([]));
    this.addProfile('Standard Platform User', platform.Id, perms(['PermissionsApiEnabled']));
    const adminUser = this.createUser({
      Username: 'admin@provisio-emulator.example',
      FirstName: 'Ada',
      LastName: 'Admin',
      Email: 'admin@provisio-emulator.example',
      Alias: 'aadmin',
      TimeZoneSidKey: 'America/Los_Angeles',
      LocaleSidKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      ProfileId: admin.Id
    });
    this.adminUserId = adminUser.Id;
  }

  /** Adds a profile with its profile-owned permission set (as every Salesforce profile has). */
  addProfile(name: string, userLicenseId: string, permissions: Record<string, boolean>): SRecord {
    const profile = this.db.insert('Profile', { Name: name, UserLicenseId: userLicenseId, UserType: 'Standard' });
    this.db.update('Profile', profile.Id, permissions);
    const ps = this.db.insert('PermissionSet', {
      Name: `X${profile.Id.slice(0, 15)}`,
      Label: name,
      IsOwnedByProfile: true,
      ProfileId: profile.Id,
      LicenseId: userLicenseId,
      Type: 'Profile'
    });
    this.db.update('PermissionSet', ps.Id, permissions);
    return profile;
  }

  /** Profile by name. */
  profileByName(name: string): SRecord | undefined {
    return this.db.where('Profile', (p) => p.Name === name)[0];
  }

  /** User by username (case-insensitive). */
  userByUsername(username: string): SRecord | undefined {
    const lower = username.toLowerCase();
    return this.db.where('User', (u) => String(u.Username).toLowerCase() === lower)[0];
  }

  /** The licence a profile consumes. */
  licenseOf(profileId: unknown): SRecord | undefined {
    const profile = typeof profileId === 'string' ? this.db.get('Profile', profileId) : undefined;
    return profile && typeof profile.UserLicenseId === 'string'
      ? this.db.get('UserLicense', profile.UserLicenseId)
      : undefined;
  }

  /** Recomputes UsedLicenses from the active users. */
  refreshLicenses(): void {
    for (const license of this.db.all('UserLicense')) {
      const used = this.db.where(
        'User',
        (u) => u.IsActive === true && this.licenseOf(u.ProfileId)?.Id === license.Id
      ).length;
      this.db.update('UserLicense', license.Id, { UsedLicenses: used, UsedLicensesLastUpdated: sfNow() });
    }
  }

  /** Sets the licence count of a licence (by name), e.g. `setLicenses('Salesforce', 1)` for "no licences left". */
  setTotalLicenses(name: string, total: number): void {
    const license = this.db.where('UserLicense', (l) => l.Name === name)[0];
    if (!license) throw new Error(`No licence named ${name}`);
    this.db.update('UserLicense', license.Id, { TotalLicenses: total });
    this.refreshLicenses();
  }

  private assertLicenseFree(profileId: unknown): void {
    this.refreshLicenses();
    const license = this.licenseOf(profileId);
    if (license && Number(license.UsedLicenses) >= Number(license.TotalLicenses)) {
      throw new ApiError(
        400,
        'LICENSE_LIMIT_EXCEEDED',
        `License Limit Exceeded: no ${String(license.Name)} licenses are available.`,
        ['ProfileId']
      );
    }
  }

  /**
   * Creates a User the way the platform validates it: required fields (Salesforce's list and order), email-format
   * username, username unique here and in every other org, a valid profile, a free licence.
   */
  createUser(values: Record<string, unknown>): SRecord {
    const canonical = this.canonicalUserValues(values);
    const missing = REQUIRED_USER_FIELDS.filter(
      (f) => canonical[f] === undefined || canonical[f] === null || canonical[f] === ''
    );
    if (missing.length > 0) {
      throw new ApiError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing
      );
    }
    this.validateUserValues(canonical, undefined);
    const active = canonical.IsActive === undefined ? true : canonical.IsActive === true;
    if (active) this.assertLicenseFree(canonical.ProfileId);
    const firstName = typeof canonical.FirstName === 'string' ? canonical.FirstName : '';
    const user = this.db.insert('User', {
      CommunityNickname: `${String(canonical.Username).split('@')[0]}${this.db.all('User').length}`,
      UserType: 'Standard',
      ...canonical,
      IsActive: active,
      Name: `${firstName} ${String(canonical.LastName)}`.trim(),
      CreatedById: this.adminUserId || null,
      LastModifiedById: this.adminUserId || null
    });
    this.credentials.set(user.Id, { passwordExpired: false });
    this.assignProfilePermissionSet(user.Id);
    this.refreshLicenses();
    return user;
  }

  /** Updates a User with the same validation (username rules, licence when (re)activating). */
  updateUser(id: string, values: Record<string, unknown>): SRecord {
    const user = this.db.get('User', id);
    if (!user) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const canonical = this.canonicalUserValues(values);
    this.validateUserValues(canonical, user.Id);
    const activating = canonical.IsActive === true && user.IsActive !== true;
    const profileChange = canonical.ProfileId !== undefined && canonical.ProfileId !== user.ProfileId;
    if (activating || (profileChange && user.IsActive === true)) {
      this.assertLicenseFree(canonical.ProfileId ?? user.ProfileId);
    }
    const updated = this.db.update('User', user.Id, canonical);
    if (canonical.FirstName !== undefined || canonical.LastName !== undefined) {
      updated.Name = `${text(updated.FirstName)} ${String(updated.LastName)}`.trim();
    }
    if (profileChange) this.assignProfilePermissionSet(user.Id);
    this.refreshLicenses();
    return updated;
  }

  private canonicalUserValues(values: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
      if (key === 'attributes') continue;
      const name = this.db.fieldName('User', key);
      if (!name) {
        throw new ApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type User`, [key]);
      }
      if (name === 'Id') {
        throw new ApiError(400, 'INVALID_FIELD', 'The Id field should not be specified in the sobject data.');
      }
      out[name] = value;
    }
    return out;
  }

  private validateUserValues(values: Record<string, unknown>, selfId: string | undefined): void {
    if (values.Username !== undefined) {
      const username = text(values.Username);
      if (!EMAIL.test(username)) {
        throw new ApiError(
          400,
          'FIELD_INTEGRITY_EXCEPTION',
          'Username must be in the form of an email address (for example, john@acme.com): Username',
          ['Username']
        );
      }
      const existing = this.userByUsername(username);
      if ((existing && existing.Id !== selfId) || this.usernamesTakenElsewhere.has(username.toLowerCase())) {
        throw new ApiError(400, 'DUPLICATE_USERNAME', DUPLICATE_USERNAME_MESSAGE, ['Username']);
      }
    }
    if (values.Alias !== undefined && text(values.Alias).length > 8) {
      throw new ApiError(400, 'STRING_TOO_LONG', `Alias: data value too large: ${text(values.Alias)} (max length=8)`, [
        'Alias'
      ]);
    }
    if (values.ProfileId !== undefined && !this.db.get('Profile', text(values.ProfileId))) {
      throw new ApiError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', ['ProfileId']);
    }
  }

  /** Every user has an assignment of their profile's own permission set, as in a real org. */
  private assignProfilePermissionSet(userId: string): void {
    const user = this.db.get('User', userId);
    for (const a of this.db.where('PermissionSetAssignment', (x) => x.AssigneeId === userId)) {
      const ps = this.db.get('PermissionSet', text(a.PermissionSetId));
      if (ps?.IsOwnedByProfile === true) this.db.delete('PermissionSetAssignment', a.Id);
    }
    const own = this.db.where(
      'PermissionSet',
      (ps) => ps.IsOwnedByProfile === true && ps.ProfileId === user?.ProfileId
    )[0];
    if (own) this.db.insert('PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: own.Id, IsActive: true });
  }

  /** Sets a user's password (as `/sobjects/User/{id}/password` POST or the admin UI would). */
  setPassword(userId: string, password: string): void {
    const creds = this.credentials.get(to18(userId)) ?? { passwordExpired: false };
    creds.password = password;
    creds.passwordExpired = false;
    // Changing the password resets the security token, which Salesforce emails to the user.
    creds.securityToken = randomText(24);
    this.credentials.set(to18(userId), creds);
    this.db.update('User', userId, { LastPasswordChangeDate: sfNow() });
  }

  /** Resets a user's security token; the new token is "emailed" (stored in the outbox metadata only). */
  resetSecurityToken(userId: string): string {
    const creds = this.credentials.get(to18(userId)) ?? { passwordExpired: false };
    creds.securityToken = randomText(24);
    this.credentials.set(to18(userId), creds);
    const user = this.db.get('User', userId);
    this.outbox.push({ to: String(user?.Email), userId: to18(userId), kind: 'securityToken', at: sfNow() });
    return creds.securityToken;
  }

  /** Password reset: the password is cleared (the user must set one from the emailed link). */
  resetPassword(userId: string, kind: 'passwordReset' | 'welcome' = 'passwordReset'): void {
    const user = this.db.get('User', userId);
    if (!user) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const creds = this.credentials.get(user.Id) ?? { passwordExpired: false };
    creds.password = undefined;
    creds.passwordExpired = true;
    this.credentials.set(user.Id, creds);
    this.outbox.push({ to: String(user.Email), userId: user.Id, kind, at: sfNow() });
  }

  /** Credentials of a user, for the SOAP login() route (never exposed through any API). */
  credentialsOf(userId: string): Credentials | undefined {
    return this.credentials.get(to18(userId));
  }

  /** The permissions a user effectively holds: profile plus assigned permission sets. */
  effectivePermissions(userId: string): Set<string> {
    const held = new Set<string>();
    const assigned = this.db.where('PermissionSetAssignment', (a) => a.AssigneeId === to18(userId));
    const user = this.db.get('User', userId);
    const sets = [
      ...this.db.where('PermissionSet', (ps) => ps.IsOwnedByProfile === true && ps.ProfileId === user?.ProfileId),
      ...assigned.map((a) => this.db.get('PermissionSet', String(a.PermissionSetId))).filter((ps) => ps !== undefined)
    ];
    for (const ps of sets) for (const p of USER_PERMISSIONS) if (ps[p] === true) held.add(p);
    if (!this.settings.useAnyApiAuthFieldExists) held.delete('PermissionsUseAnyApiAuth');
    return held;
  }

  /** Login IP ranges of a user's profile (Profile metadata `loginIpRanges`; not an sObject). */
  loginIpRanges(userId: string): Array<{ start: string; end: string; description?: string }> {
    const user = this.db.get('User', userId);
    return this.profileLoginIpRanges.get(text(user?.ProfileId)) ?? [];
  }

  /** Opens a session for a user and returns its access token (`00D…!…`, the format the sf CLI requires). */
  openSession(userId: string, via: Session['via']): string {
    const token = `${this.orgId.slice(0, 15)}!AQ${randomText(40)}.${randomText(30)}`;
    this.sessions.set(token, { token, userId: to18(userId), issuedAt: Date.now(), via });
    return token;
  }

  /** Expires every session (the next call gets INVALID_SESSION_ID). */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Adds a fault for matching requests. */
  injectFault(fault: InjectedFault): void {
    this.faults.push(fault);
  }

  /** Makes SOQL support for the Use Any API Auth field follow the settings switch. */
  applySchemaSwitches(): void {
    const has = Boolean(this.db.fieldName('PermissionSet', 'PermissionsUseAnyApiAuth'));
    if (this.settings.useAnyApiAuthFieldExists && !has) {
      this.db.define({ name: 'PermissionSet', fields: ['PermissionsUseAnyApiAuth'] });
      this.db.define({ name: 'Profile', fields: ['PermissionsUseAnyApiAuth'] });
    } else if (!this.settings.useAnyApiAuthFieldExists && has) {
      this.db.dropField('PermissionSet', 'PermissionsUseAnyApiAuth');
      this.db.dropField('Profile', 'PermissionsUseAnyApiAuth');
    }
  }
}
