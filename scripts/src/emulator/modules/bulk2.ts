import { sfNow } from '../db';
import { EmulatorModule, RouteContext } from '../http';
import { parseSoql, runSoql, SoqlError } from '../soql';
import { ApiError, OrgState } from '../state';

/**
 * Bulk API 2.0 query jobs (ref-orgapi.md §5): POST /jobs/query creates a job (state UploadComplete), GET polls it
 * (InProgress for `pollsBeforeComplete` polls, then JobComplete), GET /results pages the CSV with `maxRecords` and
 * the `Sforce-Locator` header (the literal string `null` on the last page) plus `Sforce-NumberOfRecords`, and
 * answers 409 when asked with another API version than the job was created with. PATCH aborts, DELETE deletes,
 * GET /jobs/query lists. The query runs when the job is created (a snapshot, as Salesforce's results are).
 *
 * UNCONFIRMED details, kept simple: the error code for a bad query at create time (we answer 400 with the SOQL
 * error code), the exact 409 body, and the default page size without maxRecords (ours: `defaultPageSize`).
 */
export interface Bulk2Settings {
  /** Records per results page when the caller sends no maxRecords. */
  defaultPageSize: number;
  /** GET /jobs/query/{id} answers InProgress this many times before JobComplete. */
  pollsBeforeComplete: number;
}

interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';
  concurrencyMode: 'Parallel';
  contentType: 'CSV';
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  polls: number;
  columns: string[];
  rows: string[][];
}

const KEY = 'bulk2';
const DELIMITERS: Record<string, string> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`'
};

interface Bulk2State {
  settings: Bulk2Settings;
  jobs: Map<string, QueryJob>;
}

/** The module's state in `state.extensions` (tests change `settings`). */
export function bulk2State(state: OrgState): Bulk2State {
  return state.extension<Bulk2State>(KEY, () => ({
    settings: { defaultPageSize: 50_000, pollsBeforeComplete: 1 },
    jobs: new Map()
  }));
}

function jobInfo(job: QueryJob, detail: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    concurrencyMode: job.concurrencyMode,
    contentType: job.contentType,
    apiVersion: job.apiVersion,
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter
  };
  if (detail) {
    Object.assign(info, {
      jobType: 'V2Query',
      numberRecordsProcessed: job.state === 'JobComplete' ? job.rows.length : 0,
      retries: 0,
      totalProcessingTime: job.state === 'JobComplete' ? 42 : 0,
      isPkChunkingSupported: true
    });
  }
  return info;
}

function findJob(ctx: RouteContext): QueryJob {
  const job = bulk2State(ctx.state).jobs.get(ctx.params.id);
  if (!job) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return job;
}

/** A record from runSoql flattened to the CSV columns (`Profile.Name` for parent fields). */
function flatten(
  record: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {}
): Record<string, unknown> {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    if (value && typeof value === 'object' && !Array.isArray(value))
      flatten(value as Record<string, unknown>, `${prefix}${key}.`, out);
    else out[`${prefix}${key}`] = value;
  }
  return out;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? value.toString()
        : JSON.stringify(value);
  return `"${text.replace(/"/g, '""')}"`;
}

function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}

function decodeLocator(locator: string): number {
  const offset = Number(Buffer.from(locator, 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
  return offset;
}

export function bulk2Module(): EmulatorModule {
  return {
    name: 'bulk2',
    routes: [
      {
        method: 'POST',
        path: '/services/data/:version/jobs/query',
        handler: (ctx) => {
          const body = ctx.json<Record<string, unknown>>() ?? {};
          const operation = body.operation;
          if (operation !== 'query' && operation !== 'queryAll') {
            throw new ApiError(
              400,
              'INVALIDJOB',
              `Invalid operation: ${String(operation)}; expected query or queryAll`
            );
          }
          if (typeof body.query !== 'string' || body.query.trim() === '') {
            throw new ApiError(400, 'INVALIDJOB', 'The query field is required');
          }
          const delimiterName = typeof body.columnDelimiter === 'string' ? body.columnDelimiter : 'COMMA';
          if (!DELIMITERS[delimiterName])
            throw new ApiError(400, 'INVALIDJOB', `Invalid columnDelimiter: ${delimiterName}`);
          const lineEnding = body.lineEnding === 'CRLF' ? 'CRLF' : 'LF';
          let columns: string[];
          let rows: string[][];
          let object: string;
          try {
            const parsed = parseSoql(body.query);
            if (parsed.count)
              throw new ApiError(400, 'INVALIDJOB', 'Aggregate queries are not supported by Bulk API 2.0');
            const result = runSoql(ctx.state.db, body.query, ctx.params.version);
            object = ctx.state.db.schema(parsed.from)?.name ?? parsed.from;
            const flat = result.records.map((record) => flatten(record));
            columns = flat[0] ? Object.keys(flat[0]) : parsed.fields.map((field) => field.path.join('.'));
            rows = flat.map((record) => columns.map((column) => csvCell(record[column])));
          } catch (error) {
            if (error instanceof SoqlError) throw new ApiError(400, error.errorCode, error.message);
            throw error;
          }
          const now = sfNow();
          const job: QueryJob = {
            id: ctx.state.ids.next('750'),
            operation,
            object,
            createdById: ctx.session?.userId ?? ctx.state.adminUserId,
            createdDate: now,
            systemModstamp: now,
            state: 'UploadComplete',
            concurrencyMode: 'Parallel',
            contentType: 'CSV',
            apiVersion: Number(ctx.params.version),
            lineEnding,
            columnDelimiter: delimiterName,
            polls: 0,
            columns,
            rows
          };
          bulk2State(ctx.state).jobs.set(job.id, job);
          return { status: 200, body: jobInfo(job, false) };
        }
      },
      {
        method: 'GET',
        path: '/services/data/:version/jobs/query',
        handler: (ctx) => ({
          status: 200,
          body: {
            done: true,
            records: [...bulk2State(ctx.state).jobs.values()].map((job) => jobInfo(job, false)),
            nextRecordsUrl: null
          }
        })
      },
      {
        method: 'GET',
        path: '/services/data/:version/jobs/query/:id',
        handler: (ctx) => {
          const job = findJob(ctx);
          if (job.state === 'UploadComplete' || job.state === 'InProgress') {
            job.polls++;
            job.state = job.polls > bulk2State(ctx.state).settings.pollsBeforeComplete ? 'JobComplete' : 'InProgress';
            job.systemModstamp = sfNow();
          }
          return { status: 200, body: jobInfo(job, true) };
        }
      },
      {
        method: 'PATCH',
        path: '/services/data/:version/jobs/query/:id',
        handler: (ctx) => {
          const job = findJob(ctx);
          const body = ctx.json<{ state?: string }>() ?? {};
          if (body.state !== 'Aborted')
            throw new ApiError(400, 'INVALIDJOBSTATE', 'Only state Aborted can be set on a query job');
          if (job.state === 'JobComplete' || job.state === 'Failed') {
            throw new ApiError(400, 'INVALIDJOBSTATE', `Job is already ${job.state}`);
          }
          job.state = 'Aborted';
          return { status: 200, body: jobInfo(job, false) };
        }
      },
      {
        method: 'DELETE',
        path: '/services/data/:version/jobs/query/:id',
        handler: (ctx) => {
          findJob(ctx);
          bulk2State(ctx.state).jobs.delete(ctx.params.id);
          return { status: 204 };
        }
      },
      {
        method: 'GET',
        path: '/services/data/:version/jobs/query/:id/results',
        handler: (ctx) => {
          const job = findJob(ctx);
          if (Number(ctx.params.version) !== job.apiVersion) {
            throw new ApiError(
              409,
              'INVALIDJOBSTATE',
              `Job ${job.id} was created with API version ${job.apiVersion.toFixed(1)}; request its results with the same version`
            );
          }
          if (job.state !== 'JobComplete') {
            throw new ApiError(
              409,
              'INVALIDJOBSTATE',
              `Job is in state ${job.state}; results are available once it is JobComplete`
            );
          }
          const maxParam = ctx.url.searchParams.get('maxRecords');
          const max = maxParam === null ? bulk2State(ctx.state).settings.defaultPageSize : Number(maxParam);
          if (!Number.isInteger(max) || max < 1)
            throw new ApiError(400, 'INVALIDPARAMETER', `Invalid maxRecords: ${maxParam}`);
          const locator = ctx.url.searchParams.get('locator');
          const offset = locator ? decodeLocator(locator) : 0;
          const slice = job.rows.slice(offset, offset + max);
          const next = offset + slice.length < job.rows.length ? encodeLocator(offset + slice.length) : 'null';
          const delimiter = DELIMITERS[job.columnDelimiter];
          const eol = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
          const lines = [
            job.columns.map((column) => csvCell(column)).join(delimiter),
            ...slice.map((row) => row.join(delimiter))
          ];
          return {
            status: 200,
            headers: {
              'Content-Type': 'text/csv',
              'Sforce-Locator': next,
              'Sforce-NumberOfRecords': String(slice.length)
            },
            body: `${lines.join(eol)}${eol}`
          };
        }
      }
    ]
  };
}
