import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLASSES } from '../classify';
import { GenerateOptions, Planted, generate } from './generate';
import { ReviewCounts, runSqlite, sqliteScript, timedRun } from './sqlite';

/** Benchmark settings; the defaults are the data set. */
export interface BenchArgs {
  users: number;
  targets: number;
  seed: number;
  dir: string;
  regenerate: boolean;
  sqlite: string;
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
    sqlite: '/usr/bin/sqlite3'
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--users') args.users = Number(value());
    else if (flag === '--targets') args.targets = Number(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--dir') args.dir = value();
    else if (flag === '--sqlite') args.sqlite = value();
    else if (flag === '--regenerate') args.regenerate = true;
    else
      throw new Error(
        `Unknown flag ${flag} (flags: --users N --targets N --seed N --dir D --sqlite PATH --regenerate)`
      );
  }
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
  const cli = join(__dirname, '..', '..', '..', 'bin', 'provisio.js');
  const argv = [
    cli,
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

/** Rows of `name, review, sqlite3, planted` for every count; `same` is false when any differs. */
export function compareCounts(
  review: ReviewCounts,
  sqlite: ReviewCounts,
  planted?: ReviewCounts
): { rows: Array<[string, number, number, number | undefined]>; same: boolean } {
  const rows: Array<[string, number, number, number | undefined]> = [];
  for (const cls of CLASSES) rows.push([cls, review.counts[cls], sqlite.counts[cls], planted?.counts[cls]]);
  for (const name of [
    'duplicatesSalesforce',
    'duplicatesTarget',
    'rejectedSalesforce',
    'rejectedTarget',
    'licenceWaste'
  ] as const) {
    rows.push([name, review[name], sqlite[name], planted?.[name]]);
  }
  const same = rows.every(([, a, b, c]) => a === b && (c === undefined || a === c));
  return { rows, same };
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
  const probe = spawnSync(args.sqlite, ['-version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(
      `sqlite3 not found at ${args.sqlite}. Install it: sudo scripts/setup-system.sh (or apt-get install sqlite3).`
    );
    return 2;
  }
  console.log(`sqlite3 ${probe.stdout.split(' ')[0]} · node ${process.version} · data in ${args.dir}`);
  const genStart = Date.now();
  const planted = dataSet(args);
  const sizes = [planted.salesforceFile, planted.targetFile].map((f) => (statSync(f).size / 1e6).toFixed(0));
  console.log(
    `data set: ${args.users.toLocaleString('en-US')} Salesforce users (${sizes[0]} MB CSV), ` +
      `${args.targets.toLocaleString('en-US')} target accounts (${sizes[1]} MB JSON lines) [${((Date.now() - genStart) / 1000).toFixed(1)} s]`
  );
  // Same starting point for both: the two files in the page cache (read in chunks, so this process stays small).
  for (const file of [planted.salesforceFile, planted.targetFile]) warmCache(file);

  const review = await runReviewCli(planted, join(args.dir, 'review-findings.csv'));
  const sqlite = await runSqlite(
    args.sqlite,
    sqliteScript({
      salesforceFile: planted.salesforceFile,
      targetFile: planted.targetFile,
      findingsFile: join(args.dir, 'sqlite-findings.csv'),
      asOf: AS_OF,
      inactiveDays: INACTIVE_DAYS
    }),
    args.dir
  );
  const { rows, same } = compareCounts(review, sqlite, planted);
  console.log('');
  console.log(`${'count'.padEnd(26)}${'review'.padStart(12)}${'sqlite3'.padStart(12)}${'planted'.padStart(12)}`);
  for (const [name, a, b, c] of rows) {
    const mark = a === b && (c === undefined || a === c) ? '' : '  <-- differs';
    console.log(
      `${name.padEnd(26)}${String(a).padStart(12)}${String(b).padStart(12)}${String(c ?? '').padStart(12)}${mark}`
    );
  }
  console.log('');
  const mb = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(0)} MB`);
  console.log(
    `review : ${review.seconds.toFixed(2)} s wall (process start to exit), ${review.cpuSeconds.toFixed(2)} s CPU, ` +
      `peak RSS ${mb(review.selfPeakRssMb)} (VmHWM as the review reports it)`
  );
  console.log(
    `sqlite3: ${sqlite.seconds.toFixed(2)} s wall (process start to exit), ` +
      `${sqlite.cpuSeconds === undefined ? 'n/a' : sqlite.cpuSeconds.toFixed(2)} s CPU (sampled), peak RSS ${mb(sqlite.peakRssMb)} (sampled)`
  );
  console.log(`counts identical: ${same ? 'yes' : 'NO'}`);
  const ratio = review.seconds / sqlite.seconds;
  console.log(
    `goal ratio <= 0.33: ${ratio <= 0.33 ? 'met' : 'NOT met'}; goal peak < 600 MB: ${review.selfPeakRssMb < 600 ? 'met' : 'NOT met'}`
  );
  console.log(`ratio ${ratio.toFixed(3)}`);
  return same ? 0 : 1;
}
