import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CLASSIFY_SQL, SqliteRun, peerRun } from './sqlite';

/** What the DuckDB peer reads and writes; the same files and settings as the sqlite3 peer. */
export interface DuckdbOptions {
  salesforceFile: string;
  targetFile: string;
  findingsFile: string;
  asOf: number;
  inactiveDays: number;
  /** Worker threads DuckDB may use (default: the machine's cores). */
  threads?: number;
}

/** Space, tab, line feed, carriage return: what the review and the sqlite3 script trim (a literal is the fastest). */
const WS = "' \t\n\r'";
// The SCIM attributes the review compares, as DuckDB column types for read_json.
const SCIM_COLUMNS = `{id: 'VARCHAR', userName: 'VARCHAR', active: 'BOOLEAN',
  emails: 'STRUCT(value VARCHAR, "primary" BOOLEAN)[]', name: 'STRUCT(givenName VARCHAR, familyName VARCHAR)',
  title: 'VARCHAR', "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": 'STRUCT(department VARCHAR)'}`;

/**
 * The review as DuckDB SQL, statement by statement, doing what the sqlite3 script does (see sqliteScript): read the
 * CSV (`read_csv`) and the JSON lines (`read_json` with the columns the review compares; a line that does not parse
 * is a rejected row), normalise the key (trimmed, lower case), keep the first row of each key, FULL OUTER
 * JOIN, classify, write the findings CSV and print `name|class|count` lines. Empty fields compare as '' on both
 * sides, as they do in sqlite3, where `.import` reads them as empty strings.
 */
export function duckdbStatements(options: DuckdbOptions): string[] {
  const str = (text: string): string => `'${text.replace(/'/g, "''")}'`;
  const t = (expr: string): string => `coalesce(trim(${expr}, ${WS}), '')`;
  const primary = `list_filter(emails, e -> e."primary" AND e.value IS NOT NULL)[1].value`;
  const first = `list_filter(emails, e -> e.value IS NOT NULL)[1].value`;
  // Every JSON line, parsed or not (ignore_errors gives NULL for a line that does not parse; blank lines are skipped).
  const lines = `read_json_objects(${str(options.targetFile)}, format = 'newline_delimited', ignore_errors = true)`;
  return [
    `CREATE TABLE sf AS SELECT lower(${t('"Username"')}) AS k, "Id" AS id,
       lower(${t('"IsActive"')}) IN ('true', '1', 'yes', 'y') AS active,
       ${t('"Email"')} AS email, ${t('"FirstName"')} AS given, ${t('"LastName"')} AS family,
       ${t('"Title"')} AS title, ${t('"Department"')} AS department,
       nullif(${t('"LastLoginDate"')}, '') AS last_login, nullif(${t('"CreatedDate"')}, '') AS created
       FROM read_csv(${str(options.salesforceFile)}, header = true, all_varchar = true, delim = ',', quote = '"',
         escape = '"')`,
    `CREATE TABLE t AS SELECT lower(${t('userName')}) AS k, id, coalesce(active, true) AS active,
       ${t(`coalesce(${primary}, ${first})`)} AS email, ${t('name.givenName')} AS given,
       ${t('name.familyName')} AS family, ${t('title')} AS title,
       ${t(`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department`)} AS department
       FROM read_json(${str(options.targetFile)}, format = 'newline_delimited', ignore_errors = true,
         columns = ${SCIM_COLUMNS})`,
    // The first row of each key: a table's rowid follows the order the reader read the file in.
    `CREATE TABLE sf1 AS SELECT * FROM sf WHERE rowid IN (SELECT min(rowid) FROM sf WHERE k <> '' GROUP BY k)`,
    `CREATE TABLE t1 AS SELECT * FROM t WHERE rowid IN (SELECT min(rowid) FROM t WHERE k <> '' GROUP BY k)`,
    CLASSIFY_SQL,
    `COPY (SELECT class, k, salesforce_id, target_id FROM cls
       WHERE class IN ('orphaned', 'missing_in_target', 'inactive_in_target', 'drift'))
       TO ${str(options.findingsFile)} (HEADER, DELIMITER ',')`,
    `SELECT 'class' AS name, class, count(*) AS n FROM cls GROUP BY class
     UNION ALL SELECT 'duplicatesSalesforce', '', (SELECT count(*) FROM sf WHERE k <> '') - (SELECT count(*) FROM sf1)
     UNION ALL SELECT 'duplicatesTarget', '', (SELECT count(*) FROM t WHERE k <> '') - (SELECT count(*) FROM t1)
     UNION ALL SELECT 'rejectedSalesforce', '', count(*) FROM sf WHERE k = ''
     UNION ALL SELECT 'rejectedTarget', '',
       (SELECT count(*) FROM ${lines}) - (SELECT count(*) FROM t WHERE k <> '')
     UNION ALL SELECT 'licenceWaste', '', count(*) FROM sf WHERE k <> '' AND active AND (
       try_cast(coalesce(last_login, created) AS TIMESTAMP) IS NULL OR
       ${options.asOf} - epoch(try_cast(coalesce(last_login, created) AS TIMESTAMP)) > ${options.inactiveDays * 86400})`
  ];
}

/** The child process: runs the statements on an in-memory database and prints the counts as `name|class|count`. */
export async function duckdbChild(options: DuckdbOptions): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const threads = options.threads ?? availableParallelism();
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const connection = await instance.connect();
  const statements = duckdbStatements(options);
  for (const sql of statements.slice(0, -1)) await connection.run(sql);
  const reader = await connection.runAndReadAll(statements[statements.length - 1]);
  const lines = reader.getRows().map((row) => row.map((v) => String(v)).join('|'));
  process.stdout.write(`${lines.join('\n')}\n`);
  connection.closeSync();
  instance.closeSync();
}

/** The version of the DuckDB Node API package in node_modules (a dev dependency). */
export function duckdbVersion(): string {
  const pkg = require.resolve('@duckdb/node-api/package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Runs the DuckDB peer as its own process (start-up included, like the other two) and times it. */
export async function runDuckdb(options: DuckdbOptions): Promise<SqliteRun> {
  // The compiled child, also when this module runs from its TypeScript source (tests): scripts/dist/...
  const child = join(__dirname, '..', '..', '..', 'dist', 'review', 'benchmark', 'duckdbMain.js');
  return peerRun(process.execPath, [child, JSON.stringify(options)]);
}
