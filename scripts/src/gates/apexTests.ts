/**
 * The `apex-tests` gate: runs every `@IsTest` class of the project in the local Apex runtime (scripts/src/apex),
 * prints per-class results and per-class line coverage of the packaged source, and fails when a test that ran
 * failed, when the runtime could not run more than 5% of the test methods, or when coverage is under the same
 * minimums as the org coverage gate (85% per class, 90% org-wide).
 *
 *   node scripts/dist/gates/apexTests.js [Class | Class.method ...] [--project <dir>] [--json <file>]
 *
 * With a Class/method filter only those tests run and coverage is printed but not judged.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApexParseError, runTests } from '../apex/runner/run';
import { MethodResult, RunReport } from '../apex/runner/types';
import {
  ApexRunResult,
  CoverageVerdict,
  DEFAULT_THRESHOLDS,
  evaluateCoverage,
  hasExecutableCode,
  packagedApexUnits
} from '../ci/coverageGate';

/** Share of test methods the runtime may leave unrun (unsupported feature) before the gate fails. */
export const MAX_UNSUPPORTED_SHARE = 0.05;

export interface ApexTestsVerdict {
  passed: boolean;
  counts: Record<MethodResult['outcome'], number>;
  failures: string[];
  coverage?: CoverageVerdict;
}

const pct = (covered: number, total: number): number => (total > 0 ? (covered / total) * 100 : 100);

/** The run in the shape of `sf apex run test --code-coverage` JSON, so the org coverage rule judges it unchanged. */
export function asOrgResult(report: RunReport, root: string): ApexRunResult {
  const ours = new Set(packagedApexUnits(root).map((unit) => unit.name.toLowerCase()));
  const rows = report.coverage.filter((entry) => ours.has(entry.className.toLowerCase()));
  const covered = rows.reduce((sum, row) => sum + row.covered, 0);
  const total = rows.reduce((sum, row) => sum + row.coverable, 0);
  const failing = report.methods.filter((m) => m.outcome !== 'pass').length;
  return {
    summary: {
      outcome: failing === 0 ? 'Passed' : 'Failed',
      testsRan: report.methods.length,
      failing,
      orgWideCoverage: `${pct(covered, total).toFixed(2)}%`
    },
    tests: report.methods.map((m) => ({
      Outcome: m.outcome === 'pass' ? 'Pass' : 'Fail',
      FullName: `${m.className}.${m.methodName}`,
      Message: m.message ?? null
    })),
    coverage: {
      coverage: rows.map((row) => ({ name: row.className, totalLines: row.coverable, totalCovered: row.covered }))
    }
  };
}

/** Judges a run: every method that ran passed, at most 5% unsupported, and (for a full run) coverage. */
export function judge(report: RunReport, root: string, judgeCoverage: boolean): ApexTestsVerdict {
  const counts: ApexTestsVerdict['counts'] = { pass: 0, fail: 0, unsupported: 0, error: 0, timeout: 0 };
  for (const m of report.methods) counts[m.outcome]++;
  const failures: string[] = [];
  const total = report.methods.length;
  if (total === 0) failures.push('No Apex test method ran.');
  if (counts.fail) failures.push(`${counts.fail} test method(s) failed.`);
  if (counts.error) failures.push(`${counts.error} test method(s) stopped on an interpreter error (a runtime defect).`);
  if (counts.timeout) failures.push(`${counts.timeout} test method(s) ran out of their step budget.`);
  if (total > 0 && counts.unsupported / total > MAX_UNSUPPORTED_SHARE) {
    failures.push(
      `${counts.unsupported} of ${total} test methods (${((counts.unsupported / total) * 100).toFixed(1)}%) use a ` +
        `feature the local runtime does not support; at most ${MAX_UNSUPPORTED_SHARE * 100}% may.`
    );
  }
  let coverage: CoverageVerdict | undefined;
  if (judgeCoverage) {
    const units = packagedApexUnits(root).map((unit) => ({
      name: unit.name,
      executable: unit.file.endsWith('.trigger') || hasExecutableCode(readFileSync(unit.file, 'utf8'))
    }));
    const orgResult = asOrgResult(report, root);
    // Test outcomes are judged above (with the runtime's own categories); coverage is judged here.
    coverage = evaluateCoverage(
      { ...orgResult, summary: { ...orgResult.summary, outcome: 'Passed', failing: 0 }, tests: [] },
      units,
      DEFAULT_THRESHOLDS
    );
    failures.push(...coverage.failures);
  }
  return { passed: failures.length === 0, counts, failures, coverage };
}

const LABEL: Record<MethodResult['outcome'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  unsupported: 'UNSUPPORTED',
  error: 'INTERPRETER ERROR',
  timeout: 'TIMEOUT'
};

/** Per-class lines, then each method that did not pass with its message and Apex stack. */
export function renderResults(report: RunReport): string[] {
  const lines: string[] = [];
  const byClass = new Map<string, MethodResult[]>();
  for (const m of report.methods) {
    const list = byClass.get(m.className) ?? [];
    list.push(m);
    byClass.set(m.className, list);
  }
  for (const [cls, methods] of byClass) {
    const passed = methods.filter((m) => m.outcome === 'pass').length;
    const millis = methods.reduce((sum, m) => sum + m.millis, 0);
    lines.push(`${passed === methods.length ? 'PASS' : 'FAIL'} ${cls}: ${passed}/${methods.length} (${millis} ms)`);
    for (const m of methods.filter((x) => x.outcome !== 'pass')) {
      lines.push(`  ${LABEL[m.outcome]} ${cls}.${m.methodName}: ${m.message ?? ''}`);
      for (const frame of m.stack ?? []) lines.push(`      at ${frame}`);
    }
  }
  return lines;
}

export function renderCoverage(report: RunReport, root: string): string[] {
  const ours = new Set(packagedApexUnits(root).map((unit) => unit.name.toLowerCase()));
  const rows = report.coverage.filter((entry) => ours.has(entry.className.toLowerCase()) && entry.coverable > 0);
  const lines = ['', 'coverage of the packaged source (lines covered / coverable):'];
  for (const row of [...rows].sort((a, b) => pct(a.covered, a.coverable) - pct(b.covered, b.coverable))) {
    const under = pct(row.covered, row.coverable) < DEFAULT_THRESHOLDS.perClass;
    const missing = under && row.uncovered.length ? `  (not run: line ${row.uncovered.join(', ')})` : '';
    lines.push(
      `  ${pct(row.covered, row.coverable).toFixed(1).padStart(5)}%  ${row.covered}/${row.coverable}  ${row.className}${missing}`
    );
  }
  const covered = rows.reduce((sum, row) => sum + row.covered, 0);
  const total = rows.reduce((sum, row) => sum + row.coverable, 0);
  lines.push(`  org-wide: ${pct(covered, total).toFixed(1)}% (${covered}/${total})`);
  return lines;
}

export function closingLine(verdict: ApexTestsVerdict, millis: number): string {
  const c = verdict.counts;
  return (
    `apex-tests: ${c.pass} passed, ${c.fail} failed, ${c.unsupported} unsupported, ${c.error} interpreter ` +
    `error(s), ${c.timeout} timeout(s) in ${(millis / 1000).toFixed(1)} s`
  );
}

/** Command line entry point; returns the exit code (0 passed, 1 failed, 2 unusable input). */
export function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { project: { type: 'string' }, json: { type: 'string' } }
  });
  const root = resolve(values.project ?? process.cwd());
  let report: RunReport;
  try {
    report = runTests({ projectRoot: root, only: positionals });
  } catch (error) {
    if (error instanceof ApexParseError) {
      console.error(`apex-tests: ${error.message}`);
      return 2;
    }
    throw error;
  }
  for (const line of renderResults(report)) console.log(line);
  for (const line of renderCoverage(report, root)) console.log(line);
  const verdict = judge(report, root, positionals.length === 0);
  const jsonFile = values.json ?? join(root, 'reports', 'apex-local', 'result.json');
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify({ verdict, report }, null, 2));
  if (verdict.failures.length)
    console.log(['', 'apex-tests failed:', ...verdict.failures.map((f) => `  ${f}`)].join('\n'));
  console.log(closingLine(verdict, report.millis));
  return verdict.passed ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
