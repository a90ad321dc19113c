import { closeSync, openSync, writeSync } from 'node:fs';
import type { Connection } from '@salesforce/core';
import { Command, Option } from 'commander';
import { CommandContext, CommandOutcome, runHandler, throwIfAborted, withJson, withOrgFlags } from '../cli/command';
import { ProvisioError, usageError } from '../cli/errors';
import { redactor } from '../cli/redact';
import { csvCell } from '../review/findings';
import { barChart, escapeHtml, htmlTable, page } from '../review/html';
import { BODY_FIELDS, EVENT_FIELDS, OPERATIONS, ReportFilter, STATES, eventSoql, parseTime, picklist } from './query';

export interface ReportFlags {
  json?: boolean;
  targetOrg?: string;
  apiVersion?: string;
  user?: string;
  target?: string;
  operation?: string;
  state?: string;
  since?: string;
  until?: string;
  limit?: string;
  output?: string;
  format?: string;
  withBodies?: boolean;
  sample: string;
}

type Format = 'csv' | 'json' | 'jsonl' | 'html';
type Event = Record<string, unknown>;

/** Rows shown in the HTML page at most (every row still goes to CSV/JSON). */
const HTML_ROWS = 10_000;

/** Writes events to a file as they arrive, in one of the formats; redacted like everything the CLI writes. */
class EventWriter {
  private readonly fd: number;
  private count = 0;
  private readonly htmlRows: Event[] = [];

  constructor(
    readonly path: string,
    readonly format: Format,
    private readonly fields: string[]
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw usageError(`Cannot write ${path}: ${(error as Error).message}`);
    }
    if (format === 'csv') this.write(`${fields.join(',')}\n`);
    if (format === 'json') this.write('[\n');
  }

  private write(text: string): void {
    writeSync(this.fd, redactor.redact(text));
  }

  add(events: Event[]): void {
    if (this.format === 'html') {
      for (const event of events) if (this.htmlRows.length < HTML_ROWS) this.htmlRows.push(event);
      this.count += events.length;
      return;
    }
    const lines = events.map((event) => {
      if (this.format === 'csv') {
        return `${this.fields.map((f) => csvCell(event[f] === null || event[f] === undefined ? '' : String(event[f] as string))).join(',')}\n`;
      }
      const json = JSON.stringify(redactor.redactValue(event));
      return this.format === 'jsonl' ? `${json}\n` : `${this.count++ > 0 ? ',\n' : ''}${json}`;
    });
    if (this.format === 'csv' || this.format === 'jsonl') this.count += events.length;
    if (lines.length > 0) this.write(lines.join(''));
  }

  close(summary: ReportSummary): void {
    if (this.format === 'json') this.write('\n]\n');
    if (this.format === 'html') this.write(reportHtml(summary, this.htmlRows, this.fields));
    closeSync(this.fd);
  }
}

export interface ReportSummary {
  org?: string;
  soql: string;
  filter: Record<string, unknown>;
  total: number;
  byState: Record<string, number>;
  byOperation: Record<string, number>;
  byTarget: Record<string, number>;
  output?: string;
  format?: Format;
  events: Event[];
}

function reportHtml(summary: ReportSummary, rows: Event[], fields: string[]): string {
  const bars = (counts: Record<string, number>, alert: (k: string) => boolean): string =>
    barChart(
      'count',
      Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([label, value]) => ({ label, value, alert: alert(label) }))
    );
  const filter = Object.entries(summary.filter)
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) => `${escapeHtml(k)}: <code>${escapeHtml(Array.isArray(v) ? v.join(', ') : String(v as string))}</code>`
    )
    .join(' · ');
  const body = `
<h1>Provisioning report</h1>
<p class="meta">${filter || 'No filter: every event'} · ${summary.total.toLocaleString('en-US')} events</p>
<h2>By state</h2>
${bars(summary.byState, (s) => ['Failed', 'Rejected', 'Retrying'].includes(s))}
<h2>By operation</h2>
${bars(summary.byOperation, () => false)}
<h2>By target</h2>
${bars(summary.byTarget, () => false)}
<h2>Events${rows.length < summary.total ? ` (newest ${rows.length.toLocaleString('en-US')})` : ''}</h2>
${htmlTable(fields, rows)}
`;
  return page('Provisioning report', body);
}

function formatOf(flags: ReportFlags): Format | undefined {
  const explicit = flags.format?.toLowerCase();
  if (explicit !== undefined) {
    if (!['csv', 'json', 'jsonl', 'html'].includes(explicit))
      throw usageError(`--format ${flags.format}: use csv, json, jsonl or html.`);
    if (!flags.output) throw usageError('--format needs --output <file>.');
    return explicit as Format;
  }
  if (!flags.output) return undefined;
  const ext = /\.(csv|json|jsonl|html?)$/i.exec(flags.output)?.[1].toLowerCase();
  if (!ext) throw usageError(`--output ${flags.output}: name it .csv, .json, .jsonl or .html, or pass --format.`);
  return (ext === 'htm' ? 'html' : ext) as Format;
}

/** Builds the filter from flags (validated before any network call). */
export function reportFilter(flags: ReportFlags, now = Date.now()): ReportFilter {
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 50_000_000)) {
    throw usageError('--limit must be a whole number from 1.');
  }
  const filter: ReportFilter = {
    user: flags.user?.trim() || undefined,
    targets: flags.target
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    operations: picklist(flags.operation, OPERATIONS, '--operation'),
    states: picklist(flags.state, STATES, '--state'),
    since: flags.since === undefined ? undefined : parseTime(flags.since, '--since', now),
    until: flags.until === undefined ? undefined : parseTime(flags.until, '--until', now),
    limit,
    withBodies: flags.withBodies
  };
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until) {
    throw usageError('--since must be before --until.');
  }
  return filter;
}

/** Reads the event log page by page (never the whole log in memory unless writing HTML, capped) and reports it. */
export async function runReport(
  connection: Connection,
  filter: ReportFilter,
  options: { output?: string; format?: Format; sample: number; signal: AbortSignal; progress: (text: string) => void }
): Promise<ReportSummary> {
  const soql = eventSoql(filter);
  const fields = [...EVENT_FIELDS, ...(filter.withBodies ? BODY_FIELDS : [])];
  const summary: ReportSummary = {
    soql,
    filter: {
      user: filter.user,
      targets: filter.targets,
      operations: filter.operations,
      states: filter.states,
      since: filter.since === undefined ? undefined : new Date(filter.since).toISOString(),
      until: filter.until === undefined ? undefined : new Date(filter.until).toISOString(),
      limit: filter.limit
    },
    total: 0,
    byState: {},
    byOperation: {},
    byTarget: {},
    events: []
  };
  const writer = options.output && options.format ? new EventWriter(options.output, options.format, fields) : undefined;
  const bump = (counts: Record<string, number>, key: unknown): void => {
    const k = typeof key === 'string' && key ? key : '(blank)';
    counts[k] = (counts[k] ?? 0) + 1;
  };
  try {
    let result;
    try {
      result = await connection.query<Event>(soql);
    } catch (error) {
      throw queryError(error);
    }
    for (;;) {
      const events = result.records.map((record) => {
        const { attributes: _attributes, ...rest } = record;
        return rest;
      });
      for (const event of events) {
        bump(summary.byState, event.State__c);
        bump(summary.byOperation, event.Operation__c);
        bump(summary.byTarget, event.Target__c);
        if (summary.events.length < options.sample) summary.events.push(event);
      }
      summary.total += events.length;
      writer?.add(events);
      options.progress(`Read ${summary.total.toLocaleString('en-US')} events`);
      if (result.done || !result.nextRecordsUrl) break;
      throwIfAborted(options.signal);
      result = await connection.queryMore<Event>(result.nextRecordsUrl);
    }
  } finally {
    if (writer) {
      writer.close(summary);
      summary.output = writer.path;
      summary.format = writer.format;
    }
  }
  return summary;
}

function queryError(error: unknown): ProvisioError {
  const message = error instanceof Error ? error.message : String(error);
  if (
    /ProvisioningEvent__c/.test(message) &&
    /INVALID_TYPE|not supported|does not exist/i.test(`${(error as Error).name} ${message}`)
  ) {
    return usageError('This org has no ProvisioningEvent__c object: Provisio is not deployed there.', [
      'Deploy it first: npx sf project deploy start --source-dir force-app --target-org <alias>'
    ]);
  }
  return new ProvisioError('QueryFailed', `Querying the provisioning log failed: ${message}`, { cause: error });
}

export async function reportHandler(flags: ReportFlags, context: CommandContext): Promise<CommandOutcome> {
  const filter = reportFilter(flags);
  const format = formatOf(flags);
  const sample = Number(flags.sample);
  if (!Number.isInteger(sample) || sample < 0) throw usageError('--sample must be a whole number.');
  const { connectOrg } = await import('../org/connect');
  const connection = await connectOrg(flags.targetOrg, flags.apiVersion);
  const summary = await runReport(connection, filter, {
    output: flags.output,
    format,
    sample,
    signal: context.signal,
    progress: (text) => context.out.spin(text)
  });
  summary.org = flags.targetOrg;
  context.out.stopSpin();
  const out = context.out;
  out.log(out.style('bold', `${summary.total.toLocaleString('en-US')} provisioning events`));
  out.table(
    summary.events.slice(0, 20).map((e) => ({
      created: e.CreatedDate,
      target: e.Target__c,
      operation: e.Operation__c,
      state: e.State__c,
      user: e.UserName__c ?? e.UserEmail__c,
      http: e.HttpStatus__c,
      error: typeof e.Error__c === 'string' ? e.Error__c.slice(0, 60) : ''
    })),
    ['created', 'target', 'operation', 'state', 'user', 'http', 'error']
  );
  if (summary.total > 20) out.log(`(newest 20 of ${summary.total.toLocaleString('en-US')})`);
  out.log(
    `By state: ${
      Object.entries(summary.byState)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`
  );
  if (summary.output) out.log(`Written: ${summary.output} (${summary.format})`);
  return { result: summary };
}

/** Registers `provisio report`. */
export function register(program: Command): void {
  const command = new Command('report')
    .description(
      "Provisioning report: the org's ProvisioningEvent__c log filtered by user, target, operation, state and time " +
        'span, as a table, CSV, JSON or HTML.'
    )
    .option('-u, --user <identifier>', 'Enduser identifier: username, e-mail, target account id or Salesforce user Id.')
    .option('--target <names>', 'Application name(s): target DeveloperNames, comma-separated.')
    .option('--operation <ops>', `Operations, comma-separated (${OPERATIONS.join(', ')}).`)
    .option('--state <states>', `States, comma-separated (${STATES.join(', ')}).`)
    .option('--since <time>', 'From this time: ISO date/date-time, or an age such as 7d, 24h.')
    .option('--until <time>', 'Before this time: ISO date/date-time, or an age.')
    .option('--limit <n>', 'At most this many events (newest first).')
    .option('--output <file>', 'Write every event to this file (.csv, .json, .jsonl or .html).')
    .addOption(
      new Option('--format <format>', 'Format of --output (default: from its extension).').choices([
        'csv',
        'json',
        'jsonl',
        'html'
      ])
    )
    .option('--with-bodies', 'Include the (redacted) request and response bodies.', false)
    .option('--sample <n>', 'Events included in the --json result.', '100')
    .action(async (flags: ReportFlags) => {
      process.exitCode = await runHandler(reportHandler, flags);
    });
  program.addCommand(withOrgFlags(withJson(command)));
}
