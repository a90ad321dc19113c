/**
 * The records a new test context sees before any test data exists (Apex Developer Guide, "Isolation of Test Data
 * from Organization Data in Unit Tests": test methods see setup objects such as User, Profile, Organization and
 * custom metadata records, not ordinary data). Seeded: the Organization, the standard profiles tests reference, the
 * running System Administrator and the Automated Process user, and every custom metadata record of the project.
 */
import { ApexBlob, ApexDate, ApexDatetime, Decimal, ApexDecimal, Value } from '../values';
import type { LocalOrg } from './org';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FieldDef } from './schema';
import { childrenNamed, parseXml, textOf } from './xml';

export const SEED_PROFILES = [
  'System Administrator',
  'Standard User',
  'Minimum Access - Salesforce',
  'Read Only',
  'Chatter Free User'
];

const ADMIN = {
  FirstName: 'Local',
  LastName: 'Admin',
  Alias: 'ladmin',
  TimeZoneSidKey: 'America/Los_Angeles',
  LocaleSidKey: 'en_US',
  EmailEncodingKey: 'UTF-8',
  LanguageLocaleKey: 'en_US'
};

/** Converts a custom metadata record value (text in the .md-meta.xml) to the field's Apex type. */
export function metadataValue(field: FieldDef | undefined, text: string | null): Value {
  if (text === null) return null;
  switch (field?.apexType) {
    case 'Boolean':
      return text === 'true';
    case 'Integer':
      return Number(text) | 0;
    case 'Decimal':
    case 'Double':
      return new ApexDecimal(new Decimal(text));
    case 'Date': {
      const [y, m, d] = text.slice(0, 10).split('-').map(Number);
      return new ApexDate(y, m, d);
    }
    case 'Datetime':
      return new ApexDatetime(Date.parse(text));
    default:
      return text;
  }
}

export function seedOrg(org: LocalOrg): void {
  const orgRow = org.insertSystemRow('Organization', {
    Name: 'Local Test Org',
    OrganizationType: 'Developer Edition',
    IsSandbox: false,
    TimeZoneSidKey: 'America/Los_Angeles',
    LanguageLocaleKey: 'en_US',
    DefaultLocaleSidKey: 'en_US'
  });
  org.organizationId = orgRow.get('Id') as string;
  const profiles = new Map<string, string>();
  const profileDef = org.object('Profile')!;
  for (const name of SEED_PROFILES) {
    const admin = name === 'System Administrator';
    const fields: Record<string, Value> = {
      Name: name,
      UserType: name === 'Chatter Free User' ? 'CsnOnly' : 'Standard',
      PermissionsViewSetup: admin,
      PermissionsAssignPermissionSets: admin,
      PermissionsManageUsers: admin,
      PermissionsModifyAllData: admin,
      PermissionsViewAllData: admin || name === 'Read Only',
      PermissionsApiEnabled: name !== 'Chatter Free User'
    };
    for (const k of Object.keys(fields)) if (!profileDef.fields.has(k.toLowerCase())) delete fields[k];
    const row = org.insertSystemRow('Profile', fields);
    profiles.set(name, row.get('Id') as string);
  }
  const admin = org.insertSystemRow('User', {
    ...ADMIN,
    Username: 'admin@local-test.example',
    Email: 'admin@local-test.example',
    CommunityNickname: 'ladmin',
    ProfileId: profiles.get('System Administrator')!,
    IsActive: true,
    UserType: 'Standard'
  });
  org.adminUserId = admin.get('Id') as string;
  const auto = org.insertSystemRow('User', {
    ...ADMIN,
    FirstName: null,
    LastName: 'Automated Process',
    Alias: 'autoproc',
    Username: 'autoproc@local-test.example',
    Email: 'autoproc@local-test.example',
    CommunityNickname: 'autoproc',
    ProfileId: profiles.get('Minimum Access - Salesforce')!,
    IsActive: true,
    UserType: 'AutomatedProcess'
  });
  org.automatedProcessUserId = auto.get('Id') as string;
  for (const id of [org.adminUserId, org.automatedProcessUserId]) {
    org.updateSystemRow(id, { CreatedById: org.adminUserId, LastModifiedById: org.adminUserId });
  }

  seedPermissionSets(org);
  for (const sr of org.schema.staticResources) {
    org.insertSystemRow('StaticResource', {
      Name: sr.name,
      ContentType: sr.contentType,
      CacheControl: sr.cacheControl,
      Body: new ApexBlob(sr.body),
      BodyLength: sr.body.length,
      NamespacePrefix: null
    });
  }
  for (const cls of org.schema.apexClasses) {
    org.insertSystemRow('ApexClass', {
      Name: cls.name,
      ApiVersion: new ApexDecimal(new Decimal(cls.apiVersion || '66.0')),
      Status: 'Active',
      NamespacePrefix: null
    });
  }

  // A metadata relationship to another custom metadata type holds the related record's DeveloperName in the
  // .md-meta.xml; a query reads the related record's Id there and traverses `__r` to it. Records are inserted first,
  // then their relationship values resolved, so the order of the files does not matter.
  const pending: Array<{ id: string; field: FieldDef; developerName: string; source: string }> = [];
  const idsByType = new Map<string, Map<string, string>>();
  for (const record of org.schema.metadataRecords) {
    const def = org.object(record.type);
    if (!def) continue;
    const fields: Record<string, Value> = {
      DeveloperName: record.developerName,
      MasterLabel: record.label,
      Label: record.label,
      QualifiedApiName: record.developerName,
      NamespacePrefix: null
    };
    for (const key of Object.keys(fields)) if (!def.fields.has(key.toLowerCase())) delete fields[key];
    const relationships: Array<{ field: FieldDef; developerName: string }> = [];
    for (const v of record.values) {
      const f = def.fields.get(v.field.toLowerCase());
      if (!f) throw new Error(`custom metadata record ${record.type}.${record.developerName}: no field ${v.field}`);
      if (f.relationshipKind === 'MetadataRelationship' && v.value !== null && isMetadataType(f.referenceTo[0])) {
        relationships.push({ field: f, developerName: v.value });
        continue;
      }
      fields[f.name] = metadataValue(f, v.value);
    }
    const row = org.insertSystemRow(def.name, fields);
    const id = row.get('Id') as string;
    const byName = idsByType.get(def.name.toLowerCase()) ?? new Map<string, string>();
    byName.set(record.developerName.toLowerCase(), id);
    idsByType.set(def.name.toLowerCase(), byName);
    for (const r of relationships) pending.push({ id, ...r, source: `${record.type}.${record.developerName}` });
  }
  for (const p of pending) {
    const target = idsByType.get(p.field.referenceTo[0].toLowerCase())?.get(p.developerName.toLowerCase());
    if (!target) {
      throw new Error(
        `custom metadata record ${p.source}: ${p.field.name} names ${p.field.referenceTo[0]}.${p.developerName}, which is not in the project`
      );
    }
    org.updateSystemRow(p.id, { [p.field.name]: target });
  }
}

function isMetadataType(name: string | undefined): boolean {
  return (name ?? '').toLowerCase().endsWith('__mdt');
}

/**
 * The project's permission sets become PermissionSet rows (tests look them up by Name and assign them); the custom
 * permissions each grants are kept for FeatureManagement.checkPermission.
 */
function seedPermissionSets(org: LocalOrg): void {
  for (const dir of packageFeatureDirs(org.schema.projectRoot)) {
    const psDir = join(dir, 'permissionsets');
    if (!existsSync(psDir)) continue;
    for (const file of readdirSync(psDir).sort()) {
      if (!file.endsWith('.permissionset-meta.xml')) continue;
      const name = file.slice(0, -'.permissionset-meta.xml'.length);
      const doc = parseXml(readFileSync(join(psDir, file), 'utf8'));
      const root = childrenNamed(doc, 'PermissionSet')[0] ?? doc;
      const row = org.insertSystemRow('PermissionSet', {
        Name: name,
        Label: textOf(root, 'label') ?? name,
        IsOwnedByProfile: false,
        IsCustom: true,
        NamespacePrefix: null
      });
      const granted = childrenNamed(root, 'customPermissions')
        .filter((c) => textOf(c, 'enabled') === 'true')
        .map((c) => (textOf(c, 'name') ?? '').toLowerCase());
      org.customPermissions.set(row.get('Id') as string, new Set(granted));
    }
  }
}

function packageFeatureDirs(root: string): string[] {
  const out: string[] = [];
  const project = JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories: Array<{ path: string }>;
  };
  for (const pkg of project.packageDirectories) {
    const base = join(root, pkg.path);
    if (!existsSync(base)) continue;
    out.push(base, ...readdirSync(base).map((d) => join(base, d)));
  }
  return out;
}
