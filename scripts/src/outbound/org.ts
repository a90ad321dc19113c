import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xmlEscape as xmlEscapeText } from '../org/xml';
import { OrgApiError, OrgHttp } from './orgHttp';
import { SfRunner } from './sf';

/** A field value as text: strings, numbers and booleans as they print; `fallback` for anything else. */
export function fieldText(value: unknown, fallback = ''): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return value.toString();
  return fallback;
}

/** A SOQL string literal. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Runs SOQL and returns every record (follows nextRecordsUrl). */
export async function query<T = Record<string, unknown>>(http: OrgHttp, soql: string): Promise<T[]> {
  const records: T[] = [];
  let page = await http.json<{ records: T[]; nextRecordsUrl?: string; done: boolean }>(
    'GET',
    `/query?q=${encodeURIComponent(soql)}`
  );
  records.push(...page.records);
  while (!page.done && page.nextRecordsUrl) {
    const next = page.nextRecordsUrl.replace(/^\/services\/data\/v[\d.]+/, '');
    page = await http.json('GET', next);
    records.push(...page.records);
  }
  return records;
}

/** True when the org knows the sObject type (a query of it does not fail with INVALID_TYPE). */
export async function hasType(http: OrgHttp, type: string): Promise<boolean> {
  try {
    await http.json('GET', `/query?q=${encodeURIComponent(`SELECT Id FROM ${type} LIMIT 1`)}`);
    return true;
  } catch (error) {
    if (error instanceof OrgApiError && error.errorCode === 'INVALID_TYPE') return false;
    throw error;
  }
}

/** The ProvisioningTarget__mdt record fields the tooling reads and writes. */
export const TARGET_FIELDS = [
  'NamedCredential__c',
  'Driver__c',
  'Stage__c',
  'IsEnabled__c',
  'MatchingAttribute__c',
  'PilotPermissionSet__c',
  'AssignmentPermissionSet__c',
  'DeprovisionAction__c',
  'DeleteGraceDays__c',
  'GuardPercent__c',
  'GuardMaxPerWindow__c',
  'GuardWindowMinutes__c',
  'OnNotFound__c',
  'GroupSources__c',
  'AlertGroup__c',
  'TimeoutMs__c',
  'Description__c'
] as const;

export type TargetRecord = { DeveloperName: string; MasterLabel: string } & Partial<
  Record<(typeof TARGET_FIELDS)[number], unknown>
>;

export async function readTarget(http: OrgHttp, developerName: string): Promise<TargetRecord | undefined> {
  const [record] = await query<TargetRecord>(
    http,
    `SELECT DeveloperName, MasterLabel, ${TARGET_FIELDS.join(', ')} FROM ProvisioningTarget__mdt WHERE DeveloperName = ${soqlString(developerName)}`
  );
  return record;
}

/** A target record for a new target: the data model's defaults. */
export function defaultTarget(developerName: string, namedCredential: string): TargetRecord {
  return {
    DeveloperName: developerName,
    MasterLabel: developerName,
    NamedCredential__c: namedCredential,
    Driver__c: 'Native',
    Stage__c: 'DryRun',
    IsEnabled__c: false,
    MatchingAttribute__c: 'userName',
    PilotPermissionSet__c: 'ProvisioningPilot',
    DeprovisionAction__c: 'Deactivate',
    GuardPercent__c: 5,
    GuardMaxPerWindow__c: 25,
    GuardWindowMinutes__c: 60,
    OnNotFound__c: 'Flag',
    TimeoutMs__c: 20000
  };
}

function xmlValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '<value xsi:nil="true" />';
  if (typeof value === 'boolean') return `<value xsi:type="xsd:boolean">${String(value)}</value>`;
  if (typeof value === 'number') return `<value xsi:type="xsd:double">${String(value)}</value>`;
  return `<value xsi:type="xsd:string">${xmlEscapeText(typeof value === 'string' ? value : JSON.stringify(value))}</value>`;
}

/** The .md-meta.xml of a ProvisioningTarget__mdt record (every field: a deploy replaces the whole record). */
export function targetRecordXml(record: TargetRecord): string {
  const values = TARGET_FIELDS.map(
    (field) => `  <values>\n    <field>${field}</field>\n    ${xmlValue(record[field])}\n  </values>`
  ).join('\n');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<CustomMetadata xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n' +
    `  <label>${xmlEscapeText(record.MasterLabel)}</label>\n  <protected>false</protected>\n${values}\n</CustomMetadata>\n`
  );
}

/**
 * Deploys a few metadata files with `sf project deploy start` from a throw-away SFDX project (so nothing else of
 * the working tree goes with them). `files` maps paths under force-app/main/default to their content.
 */
export async function deployFiles(
  sf: SfRunner,
  targetOrg: string | undefined,
  files: Record<string, string>,
  signal?: AbortSignal
): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'provisio-deploy-'));
  try {
    writeFileSync(
      join(dir, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '66.0' })
    );
    for (const [path, content] of Object.entries(files)) {
      const full = join(dir, 'force-app', 'main', 'default', path);
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, content);
    }
    const args = ['project', 'deploy', 'start', '--source-dir', 'force-app', '--wait', '10'];
    if (targetOrg) args.push('--target-org', targetOrg);
    return await sf(args, { cwd: dir, signal });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
