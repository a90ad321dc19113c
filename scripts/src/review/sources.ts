import type { Connection } from '@salesforce/core';
import { CommandContext, throwIfAborted } from '../cli/command';
import { ExitCode, ProvisioError } from '../cli/errors';
import { readSecret } from '../cli/secrets';
import { connectOrg, orgError } from '../org/connect';
import { feederFor } from './load';
import { Canonical, Profile } from './profiles';
import { Feeder, Schema, builderFor, jsonRowReader } from './reader';
import type { SideLoader } from './review';
import { KeyOptions, PackedTable, TableBuilder } from './table';

/** The User fields a review needs: the first candidate of each canonical field the schema stores. */
export function userSoql(profile: Profile, schema: Schema, where?: string): string {
  const wanted: Canonical[] = ['key', 'id', 'active', 'lastLogin', 'created', ...schema.fields];
  const columns: string[] = [];
  for (const field of wanted) {
    const column = profile.map[field]?.[0];
    if (column && !columns.some((c) => c.toLowerCase() === column.toLowerCase())) columns.push(column);
  }
  return `SELECT ${columns.join(', ')} FROM User${where ? ` WHERE ${where}` : ''} ORDER BY Id`;
}

interface LoaderOptions {
  profile: Profile;
  signal: AbortSignal;
  progress: (text: string) => void;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Feeds a fetch Response body into a feeder chunk by chunk (never the whole body as one string). */
async function feedBody(body: ReadableStream<Uint8Array> | null, feeder: Feeder): Promise<void> {
  if (body) {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) feeder.push(chunk);
  }
  feeder.end();
}

/**
 * Salesforce users from an org. `bulk` (default): a Bulk API 2.0 query job, polled, then its CSV results paged with
 * `Sforce-Locator` and streamed into the CSV reader page by page (jsforce's own bulk2 reader breaks on more than one
 * page). `rest`: the REST query resource, page by page with nextRecordsUrl.
 */
export function orgUsersLoader(
  options: LoaderOptions & {
    targetOrg?: string;
    apiVersion?: string;
    where?: string;
    api?: 'bulk' | 'rest';
    pollMs?: number;
    maxRecords?: number;
    connection?: Connection;
  }
): SideLoader {
  return async (schema, keyOptions) => {
    const connection = options.connection ?? (await connectOrg(options.targetOrg, options.apiVersion));
    const soql = userSoql(options.profile, schema, options.where);
    const builder = builderFor(schema, keyOptions);
    try {
      if (options.api === 'rest') await restUsers(connection, soql, builder, schema, options);
      else await bulkUsers(connection, soql, builder, schema, options);
    } catch (error) {
      if (error instanceof ProvisioError) throw error;
      throw orgError(error, options.targetOrg);
    }
    return builder.finish();
  };
}

async function bulkUsers(
  connection: Connection,
  soql: string,
  builder: TableBuilder,
  schema: Schema,
  options: LoaderOptions & { pollMs?: number; maxRecords?: number; targetOrg?: string }
): Promise<void> {
  const base = `/services/data/v${connection.getApiVersion()}/jobs/query`;
  options.progress('Salesforce: creating a Bulk API 2.0 query job');
  const job = await connection.request<{ id: string; state: string }>({
    method: 'POST',
    url: base,
    body: JSON.stringify({
      operation: 'query',
      query: soql,
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF'
    }),
    headers: { 'Content-Type': 'application/json' }
  });
  let state = job.state;
  let polls = 0;
  while (state !== 'JobComplete') {
    throwIfAborted(options.signal);
    if (state === 'Failed' || state === 'Aborted') {
      throw new ProvisioError('BulkQueryFailed', `The Bulk API 2.0 query job ${job.id} ended ${state}.`, {
        exitCode: ExitCode.ORG,
        actions: ['Check the query in Setup > Bulk Data Load Jobs, or try --sf-api rest.']
      });
    }
    // Poll quickly at first, then back off to every 2 s (small jobs finish in well under a second).
    await sleep(options.pollMs ?? Math.min(2000, 250 * 2 ** polls++), options.signal);
    state = (await connection.request<{ state: string }>(`${base}/${job.id}`)).state;
    options.progress(`Salesforce: query job ${state}`);
  }
  let locator: string | undefined;
  let page = 0;
  let line = 1;
  do {
    throwIfAborted(options.signal);
    const query = new URLSearchParams({ maxRecords: String(options.maxRecords ?? 50000) });
    if (locator) query.set('locator', locator);
    const url = `${connection.instanceUrl.replace(/\/$/, '')}${base}/${job.id}/results?${query.toString()}`;
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${connection.accessToken ?? ''}`, Accept: 'text/csv' },
      signal: options.signal
    });
    if (!response.ok) {
      throw new ProvisioError('BulkResultsFailed', `Bulk API 2.0 results page ${page + 1}: HTTP ${response.status}.`, {
        exitCode: response.status === 401 ? ExitCode.ORG : ExitCode.FAILED
      });
    }
    page++;
    // Each page is a CSV document with its own header line; line numbers continue across pages.
    const counting: Feeder = feederFor(
      'csv',
      builder,
      { label: `Salesforce page ${page}`, profile: options.profile, schema },
      line
    );
    const pageFeeder: Feeder = {
      push(chunk) {
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) line++;
        counting.push(chunk);
      },
      end: () => counting.end()
    };
    await feedBody(response.body, pageFeeder);
    locator = response.headers.get('sforce-locator') ?? undefined;
    options.progress(`Salesforce: ${builder.rowCount.toLocaleString('en-US')} users read (${page} pages)`);
  } while (locator && locator !== 'null');
}

async function restUsers(
  connection: Connection,
  soql: string,
  builder: TableBuilder,
  schema: Schema,
  options: LoaderOptions
): Promise<void> {
  const { row, finish } = jsonRowReader(builder, options.profile, schema);
  let result = await connection.query<Record<string, unknown>>(soql);
  let index = 0;
  for (;;) {
    for (const record of result.records) {
      const bytes = Buffer.from(JSON.stringify(record), 'utf8');
      row(bytes, 0, bytes.length, ++index);
    }
    options.progress(`Salesforce: ${index.toLocaleString('en-US')} users read`);
    if (result.done || !result.nextRecordsUrl) break;
    throwIfAborted(options.signal);
    result = await connection.queryMore<Record<string, unknown>>(result.nextRecordsUrl);
  }
  finish('Salesforce');
}

/** Reads the SCIM bearer token from the environment variable, or else from standard input. */
export function scimToken(envVar: string, context: CommandContext): Promise<string> {
  return readSecret({
    envVar,
    what: 'SCIM bearer token',
    stdin: context.stdin,
    env: context.env,
    prompt: (text) => context.out.warn(text)
  });
}

interface ListResponse {
  totalResults?: number;
  itemsPerPage?: number;
  startIndex?: number;
  Resources?: unknown[];
}

/**
 * Accounts from a live SCIM 2.0 service: `GET <base>/Users?startIndex=&count=` page by page (RFC 7644 §3.4.2.4),
 * each resource packed as it arrives. "Line" numbers are the resource's position in the listing.
 */
export function scimUsersLoader(
  options: LoaderOptions & { baseUrl: string; token: string; pageSize: number; fetchImpl?: typeof fetch }
): SideLoader {
  return async (schema: Schema, keyOptions: KeyOptions): Promise<PackedTable> => {
    const builder = builderFor(schema, keyOptions);
    const { row, finish } = jsonRowReader(builder, options.profile, schema);
    const doFetch = options.fetchImpl ?? fetch;
    const base = options.baseUrl.replace(/\/+$/, '');
    let startIndex = 1;
    let index = 0;
    for (;;) {
      throwIfAborted(options.signal);
      const url = `${base}/Users?startIndex=${startIndex}&count=${options.pageSize}`;
      let response: Response;
      try {
        response = await doFetch(url, {
          headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/scim+json, application/json' },
          signal: options.signal
        });
      } catch (error) {
        throw new ProvisioError('ScimUnreachable', `Cannot reach ${url}: ${(error as Error).message}`, {
          exitCode: ExitCode.ORG,
          cause: error
        });
      }
      if (response.status === 401 || response.status === 403) {
        throw new ProvisioError('ScimRefused', `The SCIM service refused the token (HTTP ${response.status}).`, {
          exitCode: ExitCode.ORG,
          actions: ['Check the bearer token in the environment variable (or on stdin) and its scopes.']
        });
      }
      if (!response.ok) {
        throw new ProvisioError('ScimFailed', `GET ${url} answered HTTP ${response.status}.`, {
          exitCode: ExitCode.ORG
        });
      }
      let page: ListResponse;
      try {
        page = (await response.json()) as ListResponse;
      } catch (error) {
        throw new ProvisioError('ScimBadResponse', `GET ${url} did not answer JSON.`, { cause: error });
      }
      const resources = Array.isArray(page.Resources) ? page.Resources : [];
      for (const resource of resources) {
        const bytes = Buffer.from(JSON.stringify(resource), 'utf8');
        row(bytes, 0, bytes.length, ++index);
      }
      options.progress(`target: ${index.toLocaleString('en-US')} accounts read`);
      const total = typeof page.totalResults === 'number' ? page.totalResults : index;
      if (resources.length === 0 || index >= total) break;
      startIndex += resources.length;
    }
    finish('target');
    return builder.finish();
  };
}
