import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSES, ReviewClass } from '../classify';

/** The counts both classifiers produce, compared field by field by the benchmark. */
export interface ReviewCounts {
  counts: Record<ReviewClass, number>;
  duplicatesSalesforce: number;
  duplicatesTarget: number;
  rejectedSalesforce: number;
  rejectedTarget: number;
  licenceWaste: number;
}

export interface SqliteRun extends ReviewCounts {
  seconds: number;
  /** Peak resident set of the sqlite3 process in MB (from /proc, sampled), when it could be read. */
  peakRssMb?: number;
  /** CPU time (user + system) of the sqlite3 process in seconds (sampled). */
  cpuSeconds?: number;
}

const WS = 'char(32,9,10,13)';

/**
 * The classification both SQL peers share (sqlite3 and DuckDB run the same statement): the first row of each key
 * on each side (tables sf1 and t1), FULL OUTER JOINed on the key, into table cls (class, key, both ids).
 */
export const CLASSIFY_SQL = `CREATE TABLE cls AS SELECT
  CASE
    WHEN t1.k IS NULL THEN CASE WHEN sf1.active THEN 'missing_in_target' ELSE 'salesforce_only_inactive' END
    WHEN sf1.k IS NULL THEN CASE WHEN t1.active THEN 'orphaned' ELSE 'target_only_inactive' END
    WHEN sf1.active AND t1.active THEN
      CASE WHEN lower(sf1.email) <> lower(t1.email) OR sf1.given <> t1.given OR sf1.family <> t1.family
             OR sf1.title <> t1.title OR sf1.department <> t1.department
           THEN 'drift' ELSE 'matched' END
    WHEN sf1.active THEN 'inactive_in_target'
    WHEN t1.active THEN 'orphaned'
    ELSE 'both_inactive'
  END AS class,
  coalesce(sf1.k, t1.k) AS k, sf1.id AS salesforce_id, t1.id AS target_id
  FROM sf1 FULL OUTER JOIN t1 ON sf1.k = t1.k`;

/**
 * The review written as SQL for the sqlite3 shell: import both files, normalise the key as the review does
 * (trimmed, lower case), keep the first row of each key, FULL OUTER JOIN, classify, count, and write the findings
 * to a CSV file, as the review does. In-memory database, journal and sync off: sqlite3 at its fastest.
 */
export function sqliteScript(options: {
  salesforceFile: string;
  targetFile: string;
  findingsFile: string;
  asOf: number;
  inactiveDays: number;
}): string {
  const sqlString = (text: string): string => `'${text.replace(/'/g, "''")}'`;
  const t = (column: string): string => `trim(${column}, ${WS})`;
  const j = (path: string): string => `coalesce(${t(`j ->> '${path}'`)}, '')`;
  const email = (selector: string): string =>
    `(SELECT e.value ->> '$.value' FROM json_each(j, '$.emails') e WHERE e.value ->> '$.value' IS NOT NULL${selector} ORDER BY e.key LIMIT 1)`;
  return `
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -1000000;
.bail on
.mode csv
.import --csv ${sqlString(options.salesforceFile)} sf_raw
CREATE TABLE t_raw(j TEXT);
.mode ascii
.separator "\\037" "\\n"
.import ${sqlString(options.targetFile)} t_raw
CREATE TABLE sf AS SELECT rowid AS rn, lower(${t('"Username"')}) AS k, "Id" AS id,
  lower(${t('"IsActive"')}) IN ('true', '1', 'yes', 'y') AS active,
  ${t('"Email"')} AS email, ${t('"FirstName"')} AS given, ${t('"LastName"')} AS family,
  ${t('"Title"')} AS title, ${t('"Department"')} AS department,
  nullif(${t('"LastLoginDate"')}, '') AS last_login, nullif(${t('"CreatedDate"')}, '') AS created
  FROM sf_raw;
CREATE TABLE t AS SELECT rowid AS rn, lower(${t("j ->> '$.userName'")}) AS k, j ->> '$.id' AS id,
  coalesce(j ->> '$.active', 1) AS active,
  coalesce(${t(`coalesce(${email(" AND e.value ->> '$.primary' = 1")}, ${email('')})`)}, '') AS email,
  ${j('$.name.givenName')} AS given, ${j('$.name.familyName')} AS family, ${j('$.title')} AS title,
  ${j('$."urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".department')} AS department
  FROM t_raw WHERE json_valid(j);
CREATE TABLE sf1 AS SELECT * FROM sf WHERE k <> '' AND rn IN (SELECT min(rn) FROM sf WHERE k <> '' GROUP BY k);
CREATE TABLE t1 AS SELECT * FROM t WHERE k <> '' AND rn IN (SELECT min(rn) FROM t WHERE k <> '' GROUP BY k);
CREATE INDEX sf1_k ON sf1(k);
CREATE INDEX t1_k ON t1(k);
${CLASSIFY_SQL};
.mode csv
.headers on
.once ${sqlString(options.findingsFile)}
SELECT class, k, salesforce_id, target_id FROM cls WHERE class IN ('orphaned', 'missing_in_target', 'inactive_in_target', 'drift');
.headers off
.mode list
.separator "|" "\\n"
SELECT 'class', class, count(*) FROM cls GROUP BY class;
SELECT 'duplicatesSalesforce', '', (SELECT count(*) FROM sf WHERE k <> '') - (SELECT count(*) FROM sf1);
SELECT 'duplicatesTarget', '', (SELECT count(*) FROM t WHERE k <> '') - (SELECT count(*) FROM t1);
SELECT 'rejectedSalesforce', '', count(*) FROM sf WHERE k = '';
SELECT 'rejectedTarget', '', (SELECT count(*) FROM t_raw WHERE trim(j, ${WS}) <> '') - (SELECT count(*) FROM t WHERE k <> '');
SELECT 'licenceWaste', '', count(*) FROM sf WHERE k <> '' AND active AND (coalesce(last_login, created) IS NULL
  OR unixepoch(${options.asOf}, 'unixepoch') - unixepoch(coalesce(last_login, created)) > ${options.inactiveDays * 86400});
`;
}

/** Parses the `name|class|count` lines the script prints. */
export function parseSqliteCounts(text: string): ReviewCounts {
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<ReviewClass, number>;
  const result: ReviewCounts = {
    counts,
    duplicatesSalesforce: 0,
    duplicatesTarget: 0,
    rejectedSalesforce: 0,
    rejectedTarget: 0,
    licenceWaste: 0
  };
  for (const line of text.split('\n')) {
    const [name, cls, value] = line.trim().split('|');
    if (!name || value === undefined) continue;
    const n = Number(value);
    if (name === 'class') counts[cls as ReviewClass] = n;
    else (result as unknown as Record<string, number>)[name] = n;
  }
  return result;
}

/**
 * Samples a child's peak RSS (VmHWM, MB) and CPU time (user + system, s) from /proc while it runs, every 20 ms: the
 * last sample before exit, so both are slight underestimates; undefined off Linux.
 */
export function watchProcess(pid: number | undefined): () => { peakRssMb?: number; cpuSeconds?: number } {
  let peak: number | undefined;
  let cpu: number | undefined;
  const sample = (): void => {
    if (pid === undefined) return;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peak = Math.max(peak ?? 0, Number(match[1]) / 1024);
      // utime and stime (fields 14 and 15, after the parenthesised command name), in clock ticks of 1/100 s.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process has exited.
    }
  };
  sample();
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    return { peakRssMb: peak, cpuSeconds: cpu };
  };
}

/** Runs a command, timing it from spawn to exit and sampling its peak RSS; rejects on an exit code not in `ok`. */
export async function timedRun(
  command: string,
  args: string[],
  ok: number[] = [0]
): Promise<{ seconds: number; peakRssMb?: number; cpuSeconds?: number; stdout: string; stderr: string }> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stopWatch = watchProcess(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { peakRssMb, cpuSeconds } = stopWatch();
  if (code === null || !ok.includes(code)) {
    throw new Error(`${command} exited with ${code}: ${stderr.trim()} ${stdout.trim().slice(0, 2000)}`);
  }
  return { seconds, peakRssMb, cpuSeconds, stdout, stderr };
}

/** Runs the script with the sqlite3 shell on an in-memory database and times it. */
export async function runSqlite(sqlite: string, script: string, workDir: string): Promise<SqliteRun> {
  const scriptFile = join(workDir, 'review.sql');
  writeFileSync(scriptFile, script);
  return peerRun(sqlite, ['-batch', ':memory:', `.read ${scriptFile}`]);
}

/** Runs a SQL peer's process, timed, and reads the `name|class|count` lines it prints. */
export async function peerRun(command: string, args: string[]): Promise<SqliteRun> {
  const run = await timedRun(command, args);
  return {
    ...parseSqliteCounts(run.stdout),
    seconds: run.seconds,
    peakRssMb: run.peakRssMb,
    cpuSeconds: run.cpuSeconds
  };
}
