import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSES } from '../classify';
import { GenerateOptions, Planted, generate } from './generate';
import { duckdbVersion, runDuckdb } from './duckdb';
import { ReviewCounts, SqliteRun, runSqlite, sqliteScript, timedRun } from './sqlite';

/** The peers the review is measured against, in the order they run. */
export const PEERS = ['duckdb', 'sqlite3'] as const;
export type Peer = (typeof PEERS)[number];

/** The CLI as a user runs it (scripts/bin/provisio.js), from scripts/src or scripts/dist alike. */
const CLI = join(__dirname, '..', '..', '..', 'bin', 'provisio.js');

/** Benchmark settings; the defaults are the data set. */
export interface BenchArgs {
  users: number;
  targets: number;
  seed: number;
  dir: string;
  regenerate: boolean;
  sqlite: string;
  peers: Peer[];
}

const AS_OF = Date.UTC(2026, 10, 1) / 1000;
const INACTIVE_DAYS = 90;
/** Bumped whenever the generator writes different data, so a cached data set is not reused by mistake. */
const GENERATOR_VERSION = 2;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    users: 1_000_000,
    targets: 990_000,
    seed: 20261124,
    dir: join(tmpdir(), 'provisio-bench-review'),
    regenerate: false,
    sqlite: '/usr/bin/sqlite3',
    peers: [...PEERS]
  };
  let targetsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--users') args.users = Number(value());
    else if (flag === '--targets') {
      args.targets = Number(value());
      targetsGiven = true;
    } else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--dir') args.dir = value();
    else if (flag === '--sqlite') args.sqlite = value();
    else if (flag === '--regenerate') args.regenerate = true;
    else if (flag === '--peers') {
      const names = value()
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p && p !== 'none');
      const unknown = names.filter((p) => !(PEERS as readonly string[]).includes(p));
      if (unknown.length) throw new Error(`Unknown peer(s) ${unknown.join(', ')}; peers: ${PEERS.join(', ')} or none`);
      args.peers = PEERS.filter((p) => names.includes(p));
    } else
      throw new Error(
        `Unknown flag ${flag} (flags: --users N --targets N --seed N --dir D --sqlite PATH --peers duckdb,sqlite3 --regenerate)`
      );
  }
  // Without --targets the target has 99 % as many accounts as Salesforce has users (990,000 for the default).
  if (!targetsGiven) args.targets = Math.round(args.users * 0.99);
  if (!Number.isInteger(args.users) || !Number.isInteger(args.targets) || args.users < 1000 || args.targets < 1000) {
    throw new Error('--users and --targets must be whole numbers of at least 1000');
  }
  return args;
}

/** Generates the data set once per settings; later runs reuse it (the files are the same, byte for byte). */
export function dataSet(args: BenchArgs): Planted {
  const marker = join(args.dir, 'planted.json');
  const settings: GenerateOptions = {
    dir: args.dir,
    salesforceUsers: args.users,
    targetAccounts: args.targets,
    seed: args.seed,
    asOf: AS_OF,
    inactiveDays: INACTIVE_DAYS
  };
  if (!args.regenerate && existsSync(marker)) {
    const saved = JSON.parse(readFileSync(marker, 'utf8')) as {
      generator?: number;
      settings: GenerateOptions;
      planted: Planted;
    };
    const same = saved.generator === GENERATOR_VERSION && JSON.stringify(saved.settings) === JSON.stringify(settings);
    if (same && existsSync(saved.planted.targetFile)) {
      return saved.planted;
    }
  }
  const planted = generate(settings);
  writeFileSync(marker, JSON.stringify({ generator: GENERATOR_VERSION, settings, planted }, null, 2));
  return planted;
}

interface ReviewRun extends ReviewCounts {
  seconds: number;
  peakRssMb?: number;
  selfPeakRssMb: number;
  /** CPU time of the review process (all threads), as it reports it. */
  cpuSeconds: number;
}

/** Runs `provisio review` as its own process (start-up included), as a user would. */
export async function runReviewCli(planted: Planted, findingsFile: string): Promise<ReviewRun> {
  const argv = [
    CLI,
    'review',
    '--salesforce',
    planted.salesforceFile,
    '--target',
    planted.targetFile,
    '--as-of',
    new Date(AS_OF * 1000).toISOString(),
    '--inactive-days',
    String(INACTIVE_DAYS),
    '--findings',
    findingsFile,
    '--sample',
    '0',
    '--json'
  ];
  // Exit code 1 means "findings", which the data set has.
  const { seconds, peakRssMb, stdout } = await timedRun(process.execPath, argv, [0, 1]);
  const parsed = JSON.parse(stdout) as {
    result: {
      classes: ReviewCounts['counts'];
      findings: Record<string, number>;
      peakRssMb: number;
      cpuSeconds: number;
    };
  };
  const r = parsed.result;
  return {
    counts: r.classes,
    duplicatesSalesforce: r.findings.duplicate_salesforce,
    duplicatesTarget: r.findings.duplicate_target,
    rejectedSalesforce: r.findings.rejected_salesforce,
    rejectedTarget: r.findings.rejected_target,
    licenceWaste: r.findings.licence_waste,
    seconds,
    peakRssMb,
    selfPeakRssMb: r.peakRssMb,
    cpuSeconds: r.cpuSeconds
  };
}

/** One row per count: its name, the review's value, each peer's (in order) and the planted one. */
export type CountRow = [name: string, review: number, peers: number[], planted: number | undefined];

/** Every count of the review beside each peer's and the planted value; `same` is false when any differs. */
export function compareCounts(
  review: ReviewCounts,
  peers: ReviewCounts[],
  planted?: ReviewCounts
): { rows: CountRow[]; same: boolean } {
  const rows: CountRow[] = [];
  for (const cls of CLASSES)
    rows.push([cls, review.counts[cls], peers.map((p) => p.counts[cls]), planted?.counts[cls]]);
  for (const name of [
    'duplicatesSalesforce',
    'duplicatesTarget',
    'rejectedSalesforce',
    'rejectedTarget',
    'licenceWaste'
  ] as const) {
    rows.push([name, review[name], peers.map((p) => p[name]), planted?.[name]]);
  }
  const same = rows.every(([, a, others, c]) => others.every((b) => a === b) && (c === undefined || a === c));
  return { rows, same };
}

/** Wall time of `provisio review --help` (the CLI starting, nothing read), the best of three runs. */
export async function startupSeconds(): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++)
    best = Math.min(best, (await timedRun(process.execPath, [CLI, 'review', '--help'])).seconds);
  return best;
}

/** Reads a file once and drops the bytes, so both contenders start with it in the page cache. */
function warmCache(path: string): void {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(4 << 20);
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0) {
      // Nothing to keep.
    }
  } finally {
    closeSync(fd);
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const versions = [`node ${process.version}`];
  if (args.peers.includes('sqlite3')) {
    const probe = spawnSync(args.sqlite, ['-version'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.error(
        `sqlite3 not found at ${args.sqlite}. Install it: sudo scripts/setup-system.sh (or apt-get install sqlite3).`
      );
      return 2;
    }
    versions.push(`sqlite3 ${probe.stdout.split(' ')[0]}`);
  }
  if (args.peers.includes('duckdb')) versions.push(`duckdb ${duckdbVersion()}`);
  console.log(`${versions.join(' · ')} · data in ${args.dir}`);
  const genStart = Date.now();
  const planted = dataSet(args);
  const sizes = [planted.salesforceFile, planted.targetFile].map((f) => (statSync(f).size / 1e6).toFixed(0));
  console.log(
    `data set: ${args.users.toLocaleString('en-US')} Salesforce users (${sizes[0]} MB CSV), ` +
      `${args.targets.toLocaleString('en-US')} target accounts (${sizes[1]} MB JSON lines) [${((Date.now() - genStart) / 1000).toFixed(1)} s]`
  );
  // Same starting point for both: the two files in the page cache (read in chunks, so this process stays small).
  for (const file of [planted.salesforceFile, planted.targetFile]) warmCache(file);

  const load = (): string =>
    loadavg()
      .map((v) => v.toFixed(2))
      .join(' ');
  const loadBefore = load();
  console.log(`load average before: ${loadBefore} (1, 5, 15 min) on ${availableParallelism()} cores`);
  const startup = await startupSeconds();
  const review = await runReviewCli(planted, join(args.dir, 'review-findings.csv'));
  const common = {
    salesforceFile: planted.salesforceFile,
    targetFile: planted.targetFile,
    asOf: AS_OF,
    inactiveDays: INACTIVE_DAYS
  };
  const runs: Array<{ peer: Peer; run: SqliteRun }> = [];
  for (const peer of args.peers) {
    const run =
      peer === 'duckdb'
        ? await runDuckdb({ ...common, findingsFile: join(args.dir, 'duckdb-findings.csv') })
        : await runSqlite(
            args.sqlite,
            sqliteScript({ ...common, findingsFile: join(args.dir, 'sqlite-findings.csv') }),
            args.dir
          );
    runs.push({ peer, run });
  }
  const loadAfter = load();
  const { rows, same } = compareCounts(
    review,
    runs.map((r) => r.run),
    planted
  );
  console.log('');
  const head = ['review', ...runs.map((r) => r.peer), 'planted'];
  console.log(`${'count'.padEnd(26)}${head.map((h) => h.padStart(12)).join('')}`);
  for (const [name, a, others, c] of rows) {
    const mark = others.every((b) => a === b) && (c === undefined || a === c) ? '' : '  <-- differs';
    const cells = [a, ...others, c ?? ''].map((v) => String(v).padStart(12)).join('');
    console.log(`${name.padEnd(26)}${cells}${mark}`);
  }
  console.log('');
  const mb = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(0)} MB`);
  console.log(
    `review : ${review.seconds.toFixed(2)} s wall (process start to exit), ${review.cpuSeconds.toFixed(2)} s CPU, ` +
      `peak RSS ${mb(review.selfPeakRssMb)} (VmHWM as the review reports it)`
  );
  for (const { peer, run } of runs) {
    console.log(
      `${peer.padEnd(7)}: ${run.seconds.toFixed(2)} s wall (process start to exit), ` +
        `${run.cpuSeconds === undefined ? 'n/a' : run.cpuSeconds.toFixed(2)} s CPU (sampled), peak RSS ${mb(run.peakRssMb)} (sampled)`
    );
  }
  console.log(
    `start-up: ${startup.toFixed(2)} s (provisio review --help, best of 3), ` +
      `${((100 * startup) / review.seconds).toFixed(1)} % of the review's wall`
  );
  console.log(`load average after: ${loadAfter}`);
  console.log(`counts identical: ${same ? 'yes' : 'NO'}`);
  const duck = runs.find((r) => r.peer === 'duckdb');
  const peak = review.selfPeakRssMb;
  if (duck) {
    const ratio = review.seconds / duck.run.seconds;
    console.log(
      `goal review/duckdb <= 1.0: ${ratio <= 1 ? 'met' : 'NOT met'}; goal peak RSS <= 450 MB: ${peak <= 450 ? 'met' : 'NOT met'}`
    );
    console.log(`ratio review/duckdb ${ratio.toFixed(3)}`);
  } else {
    console.log(`peak RSS ${mb(peak)}${peak <= 450 ? ' (goal <= 450 MB met)' : ' (goal <= 450 MB NOT met)'}`);
  }
  const lite = runs.find((r) => r.peer === 'sqlite3');
  if (lite) console.log(`ratio review/sqlite3 ${(review.seconds / lite.run.seconds).toFixed(3)}`);
  return same ? 0 : 1;
}
