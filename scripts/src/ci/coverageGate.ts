import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ApexErrorListener,
  ApexParserFactory,
  BlockContext,
  VariableDeclaratorContext
} from '@apexdevtools/apex-parser';
import { documentedSourceDirs } from '../gates/apexDocs';
import { listFiles } from '../gates/common';

/**
 * The Apex coverage gate of the org stage (.github/workflows/org-validate.yml). It reads the JSON that
 * `sf apex run test --code-coverage --result-format json` writes (the `--json` envelope or the bare
 * `test-result-<id>.json` file from `--output-dir`) and fails when a test failed, when org-wide coverage is under
 * the org-wide minimum, or when any Apex class or trigger of this project's packaged source is under the per-class
 * minimum or absent from the coverage (no test ran it).
 */

/** Minimum coverage percentages. */
export interface Thresholds {
  orgWide: number;
  perClass: number;
}

/** The issue's numbers: 90% org-wide, 85% for every class of ours. */
export const DEFAULT_THRESHOLDS: Thresholds = { orgWide: 90, perClass: 85 };

/** The parts of the sf CLI's test result (plugin-apex JsonReporter) that the gate reads. */
export interface ApexRunResult {
  summary: {
    outcome?: string;
    testsRan?: number;
    failing?: number;
    orgWideCoverage?: string;
    testRunCoverage?: string;
  };
  tests?: Array<{ Outcome?: string; FullName?: string; MethodName?: string; Message?: string | null }>;
  coverage?: {
    coverage?: Array<{ name: string; totalLines: number; totalCovered: number }>;
    summary?: { orgWideCoverage?: string };
  };
}

/** Thrown when the input cannot be judged at all (not a test result, or an sf error envelope). */
export class CoverageInputError extends Error {
  override name = 'CoverageInputError';
}

/** One Apex class or trigger of ours and its coverage in the run. */
export interface UnitCoverage {
  name: string;
  coveredLines: number;
  totalLines: number;
  /** Covered / total * 100, not rounded (the CLI's own `coveredPercent` is truncated to an integer). */
  percent: number;
}

/** What the gate decided, with every reason. */
export interface CoverageVerdict {
  passed: boolean;
  orgWide?: number;
  units: UnitCoverage[];
  /** Our units with no executable lines (interfaces, enums, declaration-only classes): not judged. */
  skipped: string[];
  failures: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Accepts what `sf apex run test ... --json` prints (`{status, result}`) or the bare result file; throws
 * CoverageInputError with the CLI's own message when the command itself failed (auth, timeout, bad flag).
 */
export function parseRunResult(json: unknown): ApexRunResult {
  if (!isRecord(json)) throw new CoverageInputError('The test result is not a JSON object.');
  if ('summary' in json && isRecord(json.summary)) return json as unknown as ApexRunResult;
  if ('result' in json && isRecord(json.result) && isRecord(json.result.summary)) {
    return json.result as unknown as ApexRunResult;
  }
  if (typeof json.status === 'number' && json.status !== 0) {
    const name = typeof json.name === 'string' ? json.name : 'Error';
    const message = typeof json.message === 'string' ? json.message : 'no message';
    throw new CoverageInputError(`sf apex run test failed before producing a result: ${name}: ${message}`);
  }
  throw new CoverageInputError(
    'The JSON has no test summary: pass the output of `sf apex run test --code-coverage --result-format json --json`.'
  );
}

/** "92%" → 92; anything else → undefined. */
export function parsePercent(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

class QuietListener extends ApexErrorListener {
  override apexSyntaxError(): void {}
}

interface TreeNode {
  children?: unknown[] | null;
}

function containsExecutableCode(node: TreeNode): boolean {
  if (node instanceof BlockContext) return true;
  if (node instanceof VariableDeclaratorContext && node.expression()) return true;
  for (const child of node.children ?? []) {
    if (typeof child === 'object' && child !== null && containsExecutableCode(child)) return true;
  }
  return false;
}

/**
 * Whether Apex source has lines the platform counts for coverage: any method, constructor, initializer or
 * accessor body, or an initialised field. Interfaces, enums and declaration-only classes have none, so the
 * platform never lists them in a coverage result and the gate must not expect them there. (Triggers are always
 * judged: a trigger exists to run code.)
 */
export function hasExecutableCode(source: string): boolean {
  // Syntax errors are the apex-syntax gate's business: parse quietly and judge what was recognised.
  const { parser } = ApexParserFactory.createLexerAndParser(source, new QuietListener());
  return containsExecutableCode(parser.compilationUnit());
}

/** Apex units of ours: classes and triggers in the packaged directories of sfdx-project.json (not test code). */
export function packagedApexUnits(root: string): Array<{ name: string; file: string }> {
  return documentedSourceDirs(root)
    .map((dir) => join(root, dir))
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => listFiles(dir, ['.cls', '.trigger']))
    .map((file) => ({ name: basename(file).replace(/\.(cls|trigger)$/, ''), file }));
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Judges a parsed result against the thresholds and our units (name + whether it has executable code). */
export function evaluateCoverage(
  result: ApexRunResult,
  units: Array<{ name: string; executable: boolean }>,
  thresholds: Thresholds = DEFAULT_THRESHOLDS
): CoverageVerdict {
  const failures: string[] = [];
  const summary = result.summary;

  const failedTests = (result.tests ?? []).filter((test) => test.Outcome && test.Outcome !== 'Pass');
  if ((summary.failing ?? 0) > 0 || summary.outcome === 'Failed' || failedTests.length > 0) {
    const names = failedTests.map((t) => `${t.FullName ?? t.MethodName ?? '?'}: ${t.Message ?? t.Outcome ?? ''}`);
    failures.push(
      `${summary.failing ?? failedTests.length} Apex test(s) failed` +
        (names.length ? `:\n  ${names.join('\n  ')}` : '.')
    );
  } else if (summary.outcome && summary.outcome !== 'Passed') {
    failures.push(`The test run did not finish: outcome ${summary.outcome}.`);
  }
  if (summary.testsRan === 0) failures.push('No Apex tests ran.');

  const orgWide = parsePercent(summary.orgWideCoverage ?? result.coverage?.summary?.orgWideCoverage);
  if (orgWide === undefined) {
    failures.push('The result has no org-wide coverage: run the tests with --code-coverage.');
  } else if (orgWide < thresholds.orgWide) {
    failures.push(`Org-wide coverage ${fmt(orgWide)}% is under the minimum of ${thresholds.orgWide}%.`);
  }

  const records = result.coverage?.coverage ?? [];
  const byName = new Map(records.map((record) => [record.name.toLowerCase(), record]));
  const judged = units.filter((unit) => unit.executable);
  const skipped = units.filter((unit) => !unit.executable).map((unit) => unit.name);
  const covered: UnitCoverage[] = [];
  if (judged.length > 0 && records.length === 0) {
    failures.push(
      'The result has no per-class coverage, so no class of ours can be checked. Run the tests with ' +
        '--code-coverage, and make sure "Store Only Aggregated Code Coverage" (apexSettings ' +
        'enableAggregateCodeCoverageOnly) is off in the org: with it on, the CLI returns no per-class lines.'
    );
  } else {
    for (const unit of judged) {
      const record = byName.get(unit.name.toLowerCase());
      if (!record) {
        failures.push(`${unit.name}: no coverage recorded (0%): no test ran any of its lines.`);
        covered.push({ name: unit.name, coveredLines: 0, totalLines: 0, percent: 0 });
        continue;
      }
      const percent = record.totalLines > 0 ? (record.totalCovered / record.totalLines) * 100 : 100;
      covered.push({ name: unit.name, coveredLines: record.totalCovered, totalLines: record.totalLines, percent });
      if (percent < thresholds.perClass) {
        failures.push(
          `${unit.name}: ${fmt(percent)}% (${record.totalCovered}/${record.totalLines} lines) is under the ` +
            `per-class minimum of ${thresholds.perClass}%.`
        );
      }
    }
  }
  covered.sort((a, b) => a.percent - b.percent || a.name.localeCompare(b.name));
  return { passed: failures.length === 0, orgWide, units: covered, skipped, failures };
}

/** A Markdown report of the verdict, for the GitHub job summary and the evidence artifact. */
export function renderMarkdown(verdict: CoverageVerdict, thresholds: Thresholds): string {
  const lines = [
    `## Apex coverage gate: ${verdict.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `Org-wide: ${verdict.orgWide === undefined ? 'unknown' : `${fmt(verdict.orgWide)}%`} ` +
      `(minimum ${thresholds.orgWide}%); per class of ours: minimum ${thresholds.perClass}%.`,
    ''
  ];
  if (verdict.failures.length) lines.push('Failures:', '', ...verdict.failures.map((f) => `- ${f}`), '');
  if (verdict.units.length) {
    lines.push('| Class or trigger | Coverage | Lines |', '| --- | --- | --- |');
    for (const unit of verdict.units) {
      const lineCount = unit.totalLines > 0 ? `${unit.coveredLines}/${unit.totalLines}` : 'not run';
      lines.push(`| ${unit.name} | ${fmt(unit.percent)}% | ${lineCount} |`);
    }
    lines.push('');
  }
  if (verdict.skipped.length) lines.push(`No executable lines (not judged): ${verdict.skipped.join(', ')}.`, '');
  return lines.join('\n');
}

const USAGE =
  'Usage: node scripts/dist/ci/coverageGate.js --result <sf apex run test JSON> [--project <dir>] ' +
  '[--org-wide-min 90] [--class-min 85] [--summary <markdown file to append to>]';

function threshold(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new CoverageInputError(`${flag} must be a number 0-100.`);
  return n;
}

/** Command line entry point; returns the exit code: 0 passed, 1 failed, 2 unusable input. */
export function main(argv: string[]): number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        result: { type: 'string' },
        project: { type: 'string' },
        'org-wide-min': { type: 'string' },
        'class-min': { type: 'string' },
        summary: { type: 'string' }
      }
    });
    if (!values.result) throw new CoverageInputError(`--result is required.\n${USAGE}`);
    const thresholds: Thresholds = {
      orgWide: threshold(values['org-wide-min'], DEFAULT_THRESHOLDS.orgWide, '--org-wide-min'),
      perClass: threshold(values['class-min'], DEFAULT_THRESHOLDS.perClass, '--class-min')
    };
    const resultFile = resolve(values.result);
    if (!existsSync(resultFile)) throw new CoverageInputError(`No test result at ${resultFile}.`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(resultFile, 'utf8'));
    } catch (error) {
      throw new CoverageInputError(`${resultFile} is not JSON: ${(error as Error).message}`);
    }
    const root = resolve(values.project ?? process.cwd());
    const units = packagedApexUnits(root).map((unit) => ({
      name: unit.name,
      executable: unit.file.endsWith('.trigger') || hasExecutableCode(readFileSync(unit.file, 'utf8'))
    }));
    const verdict = evaluateCoverage(parseRunResult(json), units, thresholds);
    const markdown = renderMarkdown(verdict, thresholds);
    console.log(markdown);
    if (values.summary) appendFileSync(values.summary, `${markdown}\n`);
    return verdict.passed ? 0 : 1;
  } catch (error) {
    if (error instanceof CoverageInputError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`coverage gate: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
