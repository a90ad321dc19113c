import { usageError } from '../cli/errors';

/** Picklist values of ProvisioningEvent__c (docs/data-model.md), used to validate filters before querying. */
export const OPERATIONS = [
  'Create',
  'Update',
  'Deactivate',
  'Reactivate',
  'Suspend',
  'Link',
  'Delete',
  'GroupMembership',
  'Reconcile'
] as const;
export const STATES = [
  'Queued',
  'Sent',
  'Succeeded',
  'Failed',
  'Retrying',
  'Staged',
  'SkippedByPilot',
  'DryRun',
  'Rejected'
] as const;

/** The columns of the report, in order; the request and response bodies only with --with-bodies. */
export const EVENT_FIELDS = [
  'Id',
  'Name',
  'CreatedDate',
  'Target__c',
  'Operation__c',
  'State__c',
  'UserName__c',
  'UserEmail__c',
  'User__c',
  'ExternalId__c',
  'HttpStatus__c',
  'Attempt__c',
  'DurationMs__c',
  'Source__c',
  'CorrelationId__c',
  'DecisionReason__c',
  'Error__c'
];
export const BODY_FIELDS = ['Request__c', 'Response__c'];

export interface ReportFilter {
  /** Enduser identifier: a username, e-mail, target account id (ExternalId__c) or Salesforce user Id. */
  user?: string;
  /** Application name: target DeveloperNames. */
  targets?: string[];
  operations?: string[];
  states?: string[];
  /** Epoch milliseconds, inclusive. */
  since?: number;
  /** Epoch milliseconds, exclusive. */
  until?: number;
  limit?: number;
  withBodies?: boolean;
}

/** A SOQL string literal: backslashes and quotes escaped, so a filter value can never change the query. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** A SOQL datetime literal (UTC, no quotes). */
export function soqlDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Parses a time filter: an ISO date or date-time (`2026-11-01`, `2026-11-01T08:00:00Z`), or an age back from `now`:
 * `90m`, `24h`, `7d`, `4w`.
 */
export function parseTime(value: string, flag: string, now = Date.now()): number {
  const relative = /^(\d+)\s*([mhdw])$/i.exec(value.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2].toLowerCase() as 'm'];
    return now - Number(relative[1]) * unit;
  }
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? `${value.trim()}T00:00:00Z` : value);
  if (Number.isNaN(ms)) {
    throw usageError(`${flag} ${value}: not a time.`, [
      'Use an ISO date (2026-11-01), a date-time, or an age such as 7d or 24h.'
    ]);
  }
  return ms;
}

/** Splits a comma-separated list and checks each value against a picklist (case-insensitive; canonical case out). */
export function picklist(value: string | undefined, allowed: readonly string[], flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const out: string[] = [];
  for (const item of value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)) {
    const match = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
    if (!match) throw usageError(`${flag}: unknown value "${item}".`, [`Values: ${allowed.join(', ')}`]);
    out.push(match);
  }
  return out.length > 0 ? out : undefined;
}

/** The SOQL for a filter: newest first, every value escaped. */
export function eventSoql(filter: ReportFilter): string {
  const where: string[] = [];
  if (filter.user) {
    const v = soqlString(filter.user.trim());
    const byUser = ['UserName__c', 'UserEmail__c', 'ExternalId__c'].map((f) => `${f} = ${v}`);
    if (/^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(filter.user.trim())) byUser.push(`User__c = ${v}`);
    where.push(`(${byUser.join(' OR ')})`);
  }
  if (filter.targets?.length) where.push(`Target__c IN (${filter.targets.map(soqlString).join(', ')})`);
  if (filter.operations?.length) where.push(`Operation__c IN (${filter.operations.map(soqlString).join(', ')})`);
  if (filter.states?.length) where.push(`State__c IN (${filter.states.map(soqlString).join(', ')})`);
  if (filter.since !== undefined) where.push(`CreatedDate >= ${soqlDateTime(filter.since)}`);
  if (filter.until !== undefined) where.push(`CreatedDate < ${soqlDateTime(filter.until)}`);
  const fields = [...EVENT_FIELDS, ...(filter.withBodies ? BODY_FIELDS : [])];
  return (
    `SELECT ${fields.join(', ')} FROM ProvisioningEvent__c` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY CreatedDate DESC, Id DESC' +
    (filter.limit ? ` LIMIT ${filter.limit}` : '')
  );
}
