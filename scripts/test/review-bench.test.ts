import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCounts, parseArgs } from '../src/review/benchmark/main';
import { generate } from '../src/review/benchmark/generate';
import { runDuckdb } from '../src/review/benchmark/duckdb';
import { runSqlite, sqliteScript } from '../src/review/benchmark/sqlite';
import { ReviewCounts } from '../src/review/benchmark/sqlite';
import { SALESFORCE, SCIM } from '../src/review/profiles';
import { runReview } from '../src/review/review';

const SQLITE = '/usr/bin/sqlite3';
const AS_OF = Date.UTC(2026, 10, 1) / 1000;

describe('bench:review on a tiny data set', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'provisio-bench-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has sqlite3 installed (scripts/setup-system.sh installs it)', () => {
    expect(spawnSync(SQLITE, ['-version']).status).toBe(0);
  });

  it('the generator, the review and the DuckDB and sqlite3 FULL OUTER JOINs agree on every count', async () => {
    // The generator plants rejects and duplicates from the first rows on (rows 7, 11, 13, 17), so a small set has them.
    const planted = generate({
      dir,
      salesforceUsers: 4400,
      targetAccounts: 4300,
      seed: 7,
      asOf: AS_OF,
      inactiveDays: 90
    });
    const summary = await runReview({
      salesforce: { file: planted.salesforceFile, profile: SALESFORCE, description: 'sf' },
      target: { file: planted.targetFile, profile: SCIM, description: 'target' },
      keyOptions: { caseInsensitive: true, stripSuffixes: [] },
      compare: ['email', 'givenName', 'familyName', 'title', 'department'],
      inactiveDays: 90,
      asOf: AS_OF,
      threads: false,
      sampleSize: 0
    });
    const review: ReviewCounts = {
      counts: summary.classes,
      duplicatesSalesforce: summary.findings.duplicate_salesforce,
      duplicatesTarget: summary.findings.duplicate_target,
      rejectedSalesforce: summary.findings.rejected_salesforce,
      rejectedTarget: summary.findings.rejected_target,
      licenceWaste: summary.findings.licence_waste
    };
    const sqlite = await runSqlite(
      SQLITE,
      sqliteScript({
        salesforceFile: planted.salesforceFile,
        targetFile: planted.targetFile,
        findingsFile: join(dir, 'sqlite-findings.csv'),
        asOf: AS_OF,
        inactiveDays: 90
      }),
      dir
    );
    // The DuckDB peer runs as its own process from the built scripts (`npm run build` first).
    const duckdb = await runDuckdb({
      salesforceFile: planted.salesforceFile,
      targetFile: planted.targetFile,
      findingsFile: join(dir, 'duckdb-findings.csv'),
      asOf: AS_OF,
      inactiveDays: 90
    });
    const { rows, same } = compareCounts(review, [duckdb, sqlite], planted);
    expect(rows.filter(([, a, peers, c]) => peers.some((b) => a !== b) || a !== c)).toEqual([]);
    expect(same).toBe(true);
    // Every planted kind is present, so agreeing is not agreeing on zeros.
    for (const [name, count] of rows)
      if (!name.startsWith('duplicates') && !name.startsWith('rejected')) expect(count).toBeGreaterThan(0);
    expect(
      planted.rejectedSalesforce + planted.rejectedTarget + planted.duplicatesSalesforce + planted.duplicatesTarget
    ).toBeGreaterThan(0);
    // sqlite3 wrote the same join findings the review counted.
    const findings = (file: string): number => readFileSync(join(dir, file), 'utf8').trim().split('\n').length - 1;
    expect(findings('duckdb-findings.csv')).toBe(findings('sqlite-findings.csv'));
    expect(findings('sqlite-findings.csv')).toBe(
      review.counts.orphaned + review.counts.missing_in_target + review.counts.inactive_in_target + review.counts.drift
    );
  });

  it('a planted difference is caught: the comparison is not vacuous', () => {
    const counts = { orphaned: 1 } as ReviewCounts['counts'];
    const base: ReviewCounts = {
      counts,
      duplicatesSalesforce: 0,
      duplicatesTarget: 0,
      rejectedSalesforce: 0,
      rejectedTarget: 0,
      licenceWaste: 5
    };
    expect(compareCounts(base, [base, { ...base, licenceWaste: 4 }]).same).toBe(false);
    expect(compareCounts(base, [base, base]).same).toBe(true);
    expect(parseArgs(['--users', '5000', '--targets', '4900']).users).toBe(5000);
    expect(parseArgs(['--users', '10000000'])).toMatchObject({ targets: 9_900_000, peers: ['duckdb', 'sqlite3'] });
    expect(parseArgs(['--peers', 'duckdb']).peers).toEqual(['duckdb']);
    expect(parseArgs(['--peers', 'none']).peers).toEqual([]);
    expect(() => parseArgs(['--peers', 'postgres'])).toThrow(/Unknown peer/);
    expect(() => parseArgs(['--users', '10'])).toThrow(/at least 1000/);
  });
});
