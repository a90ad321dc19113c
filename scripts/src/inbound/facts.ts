import { createZip } from '../org/zip';
import { errorCodeOf, orgCall, OrgTarget, toOrgError } from '../org/target';
import { API_ONLY, BASE_PERMISSIONS, PERMSET_NAME, USE_ANY_API_AUTH } from './constants';

/** What the org says about one licence type. */
export interface LicenceFact {
  id: string;
  name: string;
  total: number;
  used: number;
  left: number;
}

export interface UserFact {
  Id: string;
  Username: string;
  Email: string;
  IsActive: boolean;
  ProfileId: string;
  profileName: string;
  licenceName?: string;
  LastLoginDate: string | null;
}

type Rec = Record<string, unknown>;

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
}

/** SOQL string literal (quotes and backslashes escaped). */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function query<T extends Rec = Rec>(t: OrgTarget, soql: string, what: string): Promise<T[]> {
  const result = await orgCall(what, t.alias, () => t.conn.query<T>(soql, { autoFetch: true, maxFetch: 10000 }));
  return result.records;
}

/** The full Salesforce licence (Name 'Salesforce' or key SFDC). */
export async function salesforceLicence(t: OrgTarget): Promise<LicenceFact | undefined> {
  const rows = await query(
    t,
    "SELECT Id, Name, LicenseDefinitionKey, TotalLicenses, UsedLicenses FROM UserLicense WHERE Status = 'Active'",
    'read the user licences'
  );
  const row = rows.find((r) => r.Name === 'Salesforce') ?? rows.find((r) => r.LicenseDefinitionKey === 'SFDC');
  if (!row) return undefined;
  const total = Number(row.TotalLicenses);
  const used = Number(row.UsedLicenses);
  return { id: str(row.Id), name: str(row.Name), total, used, left: Math.max(total - used, 0) };
}

/** A profile by name with the name of its licence. */
export async function profileByName(
  t: OrgTarget,
  name: string
): Promise<{ Id: string; Name: string; licenceName: string } | undefined> {
  const rows = await query(
    t,
    `SELECT Id, Name, UserLicense.Name FROM Profile WHERE Name = ${soqlString(name)}`,
    `find the profile ${name}`
  );
  const row = rows[0];
  if (!row) return undefined;
  return { Id: str(row.Id), Name: str(row.Name), licenceName: str((row.UserLicense as Rec | null)?.Name) };
}

/** Every profile (the SCIM API offers each one as an entitlement). */
export async function profiles(t: OrgTarget): Promise<Array<{ Id: string; Name: string }>> {
  const rows = await query(t, 'SELECT Id, Name FROM Profile ORDER BY Name', 'list the profiles');
  return rows.map((r) => ({ Id: str(r.Id), Name: str(r.Name) }));
}

/** A user by username, with profile and licence names. */
export async function findUser(t: OrgTarget, username: string): Promise<UserFact | undefined> {
  const rows = await query(
    t,
    'SELECT Id, Username, Email, IsActive, ProfileId, Profile.Name, Profile.UserLicense.Name, LastLoginDate ' +
      `FROM User WHERE Username = ${soqlString(username)}`,
    `look up the user ${username}`
  );
  const row = rows[0];
  if (!row) return undefined;
  const profile = row.Profile as Rec | null;
  return {
    Id: str(row.Id),
    Username: str(row.Username),
    Email: str(row.Email),
    IsActive: row.IsActive === true,
    ProfileId: str(row.ProfileId),
    profileName: str(profile?.Name),
    licenceName: str((profile?.UserLicense as Rec | null)?.Name) || undefined,
    LastLoginDate: typeof row.LastLoginDate === 'string' ? row.LastLoginDate : null
  };
}

/** Whether the org has the Use Any API Auth permission at all (older orgs answer INVALID_FIELD "No such column"). */
export async function hasUseAnyApiAuth(t: OrgTarget): Promise<boolean> {
  try {
    await t.conn.query(`SELECT Id FROM PermissionSet WHERE ${USE_ANY_API_AUTH} = true LIMIT 1`);
    return true;
  } catch (error) {
    if (errorCodeOf(error) === 'INVALID_FIELD') return false;
    throw toOrgError('check for the Use Any API Auth permission', t.alias, error);
  }
}

/** The permission fields a check reads, depending on whether Use Any API Auth exists in this org. */
export function permissionFields(useAnyApiAuthExists: boolean): string[] {
  return [...BASE_PERMISSIONS, API_ONLY, ...(useAnyApiAuthExists ? [USE_ANY_API_AUTH] : [])];
}

/** The provisioning permission set, if it exists. */
export async function provisioningPermissionSet(t: OrgTarget, fields: string[]): Promise<Rec | undefined> {
  const rows = await query(
    t,
    `SELECT Id, Name, Label, ${fields.join(', ')} FROM PermissionSet WHERE Name = ${soqlString(PERMSET_NAME)}`,
    'read the provisioning permission set'
  );
  return rows[0];
}

/** Permissions a user effectively holds (profile-owned permission set plus assigned ones). */
export async function userPermissions(t: OrgTarget, userId: string, fields: string[]): Promise<Set<string>> {
  const rows = await query(
    t,
    `SELECT PermissionSetId, PermissionSet.Name, ${fields.map((f) => `PermissionSet.${f}`).join(', ')} ` +
      `FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)}`,
    'read the user’s permission set assignments'
  );
  const held = new Set<string>();
  for (const row of rows) {
    const ps = row.PermissionSet as Rec | null;
    for (const f of fields) if (ps?.[f] === true) held.add(f);
    if (ps?.Name === PERMSET_NAME) held.add(`assigned:${PERMSET_NAME}`);
  }
  return held;
}

/** The profile's login IP ranges, read from Profile metadata (`undefined` when the profile cannot be read). */
export async function loginIpRanges(
  t: OrgTarget,
  profileName: string
): Promise<Array<{ startAddress: string; endAddress: string }> | undefined> {
  try {
    const md = (await t.conn.metadata.read('Profile', profileName)) as unknown as {
      fullName?: string;
      loginIpRanges?:
        Array<{ startAddress: string; endAddress: string }> | { startAddress: string; endAddress: string };
    };
    if (!md?.fullName) return undefined;
    const ranges = md.loginIpRanges;
    return ranges === undefined ? [] : Array.isArray(ranges) ? ranges : [ranges];
  } catch {
    return undefined;
  }
}

/** ExternalClientAppSettings.enableExternalClientApps (read returns strings; coerced here). */
export async function externalClientAppsEnabled(t: OrgTarget): Promise<boolean | undefined> {
  try {
    // Not in jsforce's bundled metadata schema, hence the cast; read returns strings for it (ref-orgapi §0.6).
    const read = t.conn.metadata.read.bind(t.conn.metadata) as (type: string, name: string) => Promise<unknown>;
    const md = (await read('ExternalClientAppSettings', 'ExternalClientApp')) as Rec;
    const value = md?.enableExternalClientApps;
    if (value === undefined) return undefined;
    return value === true || value === 'true';
  } catch {
    return undefined;
  }
}

/** Whether an External Client App with this developer name exists (Tooling API). */
export async function ecaExists(t: OrgTarget, name: string): Promise<boolean> {
  const result = await orgCall('look up the External Client App', t.alias, () =>
    t.conn.tooling.query(`SELECT Id FROM ExternalClientApplication WHERE DeveloperName = ${soqlString(name)}`)
  );
  return result.totalSize > 0;
}

/** Deploys a zip through the Metadata API and waits for the result, reporting progress. */
export async function deployZip(
  t: OrgTarget,
  files: Record<string, string>,
  options: { checkOnly: boolean; signal?: AbortSignal; pollIntervalMs?: number; timeoutMs?: number }
): Promise<{ success: boolean; status: string; failures: Array<{ fullName: string; problem: string }> }> {
  const zip = createZip(files);
  const job = await orgCall('start a metadata deploy', t.alias, () =>
    t.conn.metadata.deploy(zip, { checkOnly: options.checkOnly, rollbackOnError: true, singlePackage: true })
  );
  const started = Date.now();
  for (;;) {
    const status = await orgCall('check the metadata deploy', t.alias, () =>
      t.conn.metadata.checkDeployStatus(job.id, true)
    );
    if (status.done) {
      const raw = status.details as unknown as { componentFailures?: Rec | Rec[] } | undefined;
      const failures = raw?.componentFailures;
      const list = failures === undefined ? [] : Array.isArray(failures) ? failures : [failures];
      return {
        success: status.success === true || String(status.success) === 'true',
        status: str(status.status),
        failures: list.map((f) => ({ fullName: str(f.fullName), problem: str(f.problem) }))
      };
    }
    if (Date.now() - started > (options.timeoutMs ?? 600_000)) {
      throw new Error(`Deploy ${job.id} did not finish in time (last status ${str(status.status)})`);
    }
    if (options.signal?.aborted) {
      throw new Error(`Interrupted while deploy ${job.id} was running; check it with sf project deploy report`);
    }
    await new Promise((r) => setTimeout(r, options.pollIntervalMs ?? 1000));
  }
}

/**
 * Whether new Connected Apps can be created: a checkOnly deploy of a minimal ConnectedApp with a unique name.
 * A component failure means blocked (the problem text is kept verbatim; Salesforce's exact wording is unconfirmed).
 */
export async function connectedAppCreation(
  t: OrgTarget,
  signal?: AbortSignal
): Promise<{ blocked: boolean; detail: string }> {
  const name = `Provisio_Probe_${Date.now()}`;
  const result = await deployZip(
    t,
    {
      'package.xml':
        '<?xml version="1.0" encoding="UTF-8"?><Package xmlns="http://soap.sforce.com/2006/04/metadata">' +
        `<types><members>${name}</members><name>ConnectedApp</name></types><version>${t.apiVersion}</version></Package>`,
      [`connectedApps/${name}.connectedApp`]:
        '<?xml version="1.0" encoding="UTF-8"?><ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">' +
        `<contactEmail>noreply@example.com</contactEmail><label>${name}</label></ConnectedApp>`
    },
    { checkOnly: true, signal, pollIntervalMs: 500 }
  );
  return result.success
    ? { blocked: false, detail: 'A check-only deploy of a Connected App succeeded.' }
    : { blocked: true, detail: result.failures.map((f) => f.problem).join('; ') || result.status };
}
