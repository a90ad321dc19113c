import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync
} from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CommandContext, CommandOutcome, runHandler, throwIfAborted, withJson, withOrgFlags } from '../cli/command';
import { ExitCode, ProvisioError, usageError } from '../cli/errors';
import { OrgHttp, orgHttp } from '../outbound/orgHttp';
import { csvField, parseCsv } from './csv';
import { sleepUnlessAborted as sleep } from '../outbound/time';

/** The User fields exported, in this order (all standard fields present in every org). */
export const EXPORT_FIELDS = [
  'Id',
  'Username',
  'FirstName',
  'LastName',
  'Email',
  'IsActive',
  'Title',
  'Department',
  'CompanyName',
  'EmployeeNumber',
  'FederationIdentifier',
  'Phone',
  'MobilePhone',
  'ManagerId'
];

export type ExportFormat = 'csv' | 'scim';

export interface ExportOptions {
  format: ExportFormat;
  output: string;
  /** Include inactive users (default: only active). */
  includeInactive: boolean;
  /** Extra SOQL condition, ANDed. */
  where?: string;
  /** Records per results page (Bulk API 2.0 maxRecords). */
  pageSize: number;
  /** Continue an interrupted export from its resume file. */
  resume: boolean;
  pollIntervalMs: number;
  /** Give up waiting for the job after this long. */
  waitMs: number;
}

/** What `<output>.resume.json` holds between runs: enough to continue with the next locator. */
interface ResumeState {
  jobId: string;
  apiVersion: string;
  format: ExportFormat;
  query: string;
  locator: string | null;
  pages: number;
  records: number;
  bytes: number;
  total: number;
}

export interface ExportResult {
  output: string;
  format: ExportFormat;
  jobId: string;
  records: number;
  pages: number;
  resumed: boolean;
}

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const SCIM_ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The SOQL of the export. */
export function exportQuery(options: Pick<ExportOptions, 'includeInactive' | 'where'>): string {
  const conditions = ["UserType = 'Standard'"];
  if (!options.includeInactive) conditions.push('IsActive = true');
  if (options.where) conditions.push(`(${options.where})`);
  return `SELECT ${EXPORT_FIELDS.join(', ')} FROM User WHERE ${conditions.join(' AND ')} ORDER BY Username`;
}

/** One exported user as a SCIM 2.0 User (RFC 7643 §4.1, enterprise extension §4.3) for an identity provider import. */
export function scimUser(record: Record<string, string>): Record<string, unknown> {
  const enterprise: Record<string, unknown> = {};
  if (record.Department) enterprise.department = record.Department;
  if (record.EmployeeNumber) enterprise.employeeNumber = record.EmployeeNumber;
  if (record.CompanyName) enterprise.organization = record.CompanyName;
  if (record.ManagerId) enterprise.manager = { value: record.ManagerId };
  const phones = [
    ...(record.Phone ? [{ value: record.Phone, type: 'work' }] : []),
    ...(record.MobilePhone ? [{ value: record.MobilePhone, type: 'mobile' }] : [])
  ];
  return {
    schemas: Object.keys(enterprise).length > 0 ? [SCIM_USER, SCIM_ENTERPRISE] : [SCIM_USER],
    externalId: record.FederationIdentifier || record.Id,
    userName: record.Username,
    name: { givenName: record.FirstName || undefined, familyName: record.LastName },
    displayName: [record.FirstName, record.LastName].filter(Boolean).join(' '),
    ...(record.Title ? { title: record.Title } : {}),
    emails: record.Email ? [{ value: record.Email, type: 'work', primary: true }] : undefined,
    ...(phones.length > 0 ? { phoneNumbers: phones } : {}),
    active: record.IsActive === 'true',
    ...(Object.keys(enterprise).length > 0 ? { [SCIM_ENTERPRISE]: enterprise } : {}),
    'urn:provisio:salesforce': { userId: record.Id }
  };
}

function resumePath(output: string): string {
  return `${output}.resume.json`;
}

function saveResume(output: string, state: ResumeState): void {
  const file = resumePath(output);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** Creates the Bulk API 2.0 query job and waits for JobComplete, with progress. */
async function runJob(
  http: OrgHttp,
  query: string,
  options: ExportOptions,
  context: CommandContext
): Promise<{ id: string; total: number }> {
  const job = await http.json<{ id: string; state: string }>('POST', '/jobs/query', {
    operation: 'query',
    query,
    contentType: 'CSV',
    columnDelimiter: 'COMMA',
    lineEnding: 'LF'
  });
  context.leftBehind(`Bulk API 2.0 query job ${job.id} (Salesforce deletes it after 7 days; resume with --resume).`);
  const started = Date.now();
  for (;;) {
    throwIfAborted(context.signal);
    const info = await http.json<{ state: string; numberRecordsProcessed?: number; errorMessage?: string }>(
      'GET',
      `/jobs/query/${job.id}`
    );
    if (info.state === 'JobComplete') return { id: job.id, total: info.numberRecordsProcessed ?? 0 };
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new ProvisioError(
        'ExportJobFailed',
        `The Bulk API 2.0 query job ${job.id} ended in state ${info.state}${info.errorMessage ? `: ${info.errorMessage}` : ''}.`,
        {
          exitCode: ExitCode.FAILED,
          actions: ['Check the job in Setup > Bulk Data Load Jobs, then run the export again.']
        }
      );
    }
    if (Date.now() - started > options.waitMs) {
      throw new ProvisioError(
        'ExportJobTimeout',
        `The query job ${job.id} is still ${info.state} after ${Math.round(options.waitMs / 1000)}s.`,
        {
          exitCode: ExitCode.FAILED,
          actions: [`Run again with --resume later: the job keeps running in the org.`]
        }
      );
    }
    context.out.spin(`Waiting for query job ${job.id} (${info.state})`);
    await sleep(options.pollIntervalMs, context.signal);
  }
}

/**
 * Exports every (active, standard) Salesforce user with a Bulk API 2.0 query job, paging the results with the
 * Sforce-Locator header ourselves (jsforce's bulk2.query breaks on multi-page results, ref-orgapi.md §0.2). Each
 * page is appended to the output and the next locator saved to `<output>.resume.json` before the next request,
 * so an interrupted export continues where it stopped with --resume (the output is cut back to the last
 * complete page first).
 */
export async function exportUsers(
  http: OrgHttp,
  options: ExportOptions,
  context: CommandContext
): Promise<ExportResult> {
  const output = resolve(options.output);
  const query = exportQuery(options);
  let state: ResumeState;
  let resumed = false;
  if (options.resume) {
    if (!existsSync(resumePath(output))) {
      throw usageError(`Nothing to resume: ${resumePath(output)} does not exist.`, [
        'Run the export without --resume.'
      ]);
    }
    state = JSON.parse(readFileSync(resumePath(output), 'utf8')) as ResumeState;
    if (state.format !== options.format)
      throw usageError(`The interrupted export was --format ${state.format}; resume it with the same format.`);
    if (state.apiVersion !== http.version) {
      context.out.warn(
        `Resuming with API version ${state.apiVersion} (the job's), not ${http.version}: Bulk API 2.0 answers 409 otherwise.`
      );
      http = http.withVersion(state.apiVersion);
    }
    if (existsSync(output) && statSync(output).size > state.bytes) {
      const fd = openSync(output, 'r+');
      ftruncateSync(fd, state.bytes);
      closeSync(fd);
    }
    resumed = true;
    context.out.log(`Resuming export job ${state.jobId} after ${state.records} records (${state.pages} pages).`);
  } else {
    if (existsSync(resumePath(output))) {
      throw usageError(`An interrupted export into ${output} exists (${resumePath(output)}).`, [
        'Continue it with --resume, or delete the .resume.json file to start over.'
      ]);
    }
    const job = await runJob(http, query, options, context);
    state = {
      jobId: job.id,
      apiVersion: http.version,
      format: options.format,
      query,
      locator: null,
      pages: 0,
      records: 0,
      bytes: 0,
      total: job.total
    };
    writeFileSync(output, '');
    saveResume(output, state);
  }
  const fd = openSync(output, 'a');
  let done = false;
  try {
    while (!done) {
      throwIfAborted(context.signal);
      const params = new URLSearchParams({ maxRecords: String(options.pageSize) });
      if (state.locator) params.set('locator', state.locator);
      const page = await http.text('GET', `/jobs/query/${state.jobId}/results?${params.toString()}`);
      const next = page.headers.get('sforce-locator');
      const { rows } = parseCsv(page.body);
      const [header, ...records] = rows;
      let chunk = '';
      if (options.format === 'csv') {
        if (state.pages === 0 && header) chunk += `${header.map(csvField).join(',')}\n`;
        for (const row of records) chunk += `${row.map(csvField).join(',')}\n`;
      } else {
        if (state.pages === 0) {
          chunk += `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${state.total},"startIndex":1,"itemsPerPage":${state.total},"Resources":[\n`;
        }
        records.forEach((row, index) => {
          const record = Object.fromEntries((header ?? []).map((column, i) => [column, row[i] ?? '']));
          chunk += `${state.records + index > 0 ? ',\n' : ''}${JSON.stringify(scimUser(record))}`;
        });
      }
      done = !next || next === 'null';
      if (done && options.format === 'scim') chunk += `${state.pages === 0 && records.length === 0 ? '' : '\n'}]}\n`;
      state.bytes += writeSync(fd, chunk);
      state.pages++;
      state.records += records.length;
      state.locator = done ? null : next;
      saveResume(output, state);
      context.out.spin(
        `Exported ${state.records}${state.total ? ` of ${state.total}` : ''} users (${state.pages} pages)`
      );
    }
  } finally {
    closeSync(fd);
  }
  context.out.stopSpin();
  rmSync(resumePath(output), { force: true });
  return { output, format: options.format, jobId: state.jobId, records: state.records, pages: state.pages, resumed };
}

interface ExportCommandOptions {
  json?: boolean;
  targetOrg?: string;
  apiVersion?: string;
  format: ExportFormat;
  output?: string;
  includeInactive?: boolean;
  where?: string;
  pageSize: string;
  resume?: boolean;
  wait: string;
}

export async function exportUsersHandler(
  options: ExportCommandOptions,
  context: CommandContext
): Promise<CommandOutcome> {
  const pageSize = Number(options.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw usageError(`--page-size must be a positive integer, not "${options.pageSize}".`);
  const waitMinutes = Number(options.wait);
  if (!(waitMinutes > 0)) throw usageError(`--wait must be a positive number of minutes, not "${options.wait}".`);
  const output = options.output ?? `users.${options.format === 'scim' ? 'scim.json' : 'csv'}`;
  const { connectOrg } = await import('../org/connect');
  const connection = await connectOrg(options.targetOrg, options.apiVersion);
  const result = await exportUsers(
    orgHttp(connection),
    {
      format: options.format,
      output,
      includeInactive: Boolean(options.includeInactive),
      where: options.where,
      pageSize,
      resume: Boolean(options.resume),
      pollIntervalMs: 2000,
      waitMs: waitMinutes * 60_000
    },
    context
  );
  context.out.log(
    `Exported ${result.records} users to ${result.output} (${result.format}, ${result.pages} pages, job ${result.jobId}).`
  );
  return { result };
}

export function register(program: Command): void {
  const exportCommand =
    program.commands.find((c) => c.name() === 'export') ??
    program.command('export').description('Export data from an org.');
  withJson(
    withOrgFlags(
      exportCommand
        .command('users')
        .description(
          'Export Salesforce users for import into an identity provider (the "Import Users" step): a Bulk API 2.0 ' +
            'query streamed page by page to CSV or a SCIM 2.0 ListResponse, with progress; an interrupted export ' +
            'continues with --resume.'
        )
        .addOption(
          new Option('--format <format>', 'csv or scim (SCIM 2.0 JSON).').choices(['csv', 'scim']).default('csv')
        )
        .option('--output <file>', 'Output file (default users.csv or users.scim.json).')
        .option('--include-inactive', 'Also export inactive users.', false)
        .option('--where <soql>', 'Extra SOQL condition on User, ANDed (for example "Department = \'Sales\'").')
        .option('--page-size <n>', 'Records per Bulk API 2.0 results page (maxRecords).', '50000')
        .option('--resume', 'Continue an interrupted export into the same --output.', false)
        .option('--wait <minutes>', 'How long to wait for the query job.', '30')
    )
  ).action(async (options: ExportCommandOptions) => {
    process.exitCode = await runHandler(exportUsersHandler, options);
  });
}
