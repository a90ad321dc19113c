/**
 * The test runner of the local Apex runtime: loads a project's Apex, runs its `@IsTest` classes with the
 * platform's test isolation and reports per-method outcomes and per-class line coverage.
 *
 * Isolation follows the Apex Developer Guide ("Isolation of Test Data from Organization Data in Unit Tests",
 * "Using Test Setup Methods"): every test method starts from the org's seed data plus the records its class's
 * `@TestSetup` methods created, runs in its own transaction whose changes are rolled back afterwards, and starts
 * with static variables reset (statics live for one transaction).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listFiles } from '../../gates/common';
import { Interpreter, ApexParseError } from '../interpreter';
import { buildRegistry } from '../natives';
import { createOrg } from '../org';
import {
  ApexThrow,
  CoverageRecorder,
  ExecContext,
  InterpreterError,
  LimitExceeded,
  StepBudgetExceeded,
  UnsupportedError
} from '../runtime';
import { MethodOutcome, MethodResult, RunReport } from './types';

/** One Apex source file: a path (relative to the project, for messages) and its text. */
export interface ApexSource {
  path: string;
  text: string;
}

export interface RunOptions {
  /** Project root: supplies the schema and custom metadata to the org. */
  projectRoot: string;
  /** The Apex to load; by default every .cls and .trigger of the project's package directories. */
  sources?: ApexSource[];
  /** Only these test classes or `Class.method`s (case-insensitive). */
  only?: string[];
  /** Statements and calls one test method may execute before it is stopped as a timeout. */
  stepBudget?: number;
  /** Called after each test method, for progress output. */
  onResult?: (result: MethodResult) => void;
}

/** The package directories of sfdx-project.json, in their declared order. */
export function packageDirectories(root: string): string[] {
  const project = JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories: Array<{ path: string }>;
  };
  return project.packageDirectories.map((dir) => dir.path);
}

/** Every Apex class and trigger of the project's package directories. */
export function projectSources(root: string): ApexSource[] {
  return packageDirectories(root)
    .flatMap((dir) => listFiles(join(root, dir), ['.cls', '.trigger']))
    .map((file) => ({ path: relative(root, file), text: readFileSync(file, 'utf8') }));
}

/** Line coverage per file: coverable lines declared at load, hits recorded as the tests run. */
export class LineCoverage implements CoverageRecorder {
  private readonly coverableLines = new Map<string, Set<number>>();
  private readonly hitLines = new Map<string, Set<number>>();

  coverable(file: string, line: number): void {
    LineCoverage.add(this.coverableLines, file, line);
  }

  hit(file: string, line: number): void {
    LineCoverage.add(this.hitLines, file, line);
  }

  /** Covered / coverable per file; hits on lines that were never declared coverable are not counted. */
  summary(): Array<{ file: string; covered: number; coverable: number; uncovered: number[] }> {
    return [...this.coverableLines.entries()].map(([file, lines]) => {
      const hits = this.hitLines.get(file) ?? new Set<number>();
      const uncovered = [...lines].filter((line) => !hits.has(line)).sort((a, b) => a - b);
      return { file, covered: lines.size - uncovered.length, coverable: lines.size, uncovered };
    });
  }

  private static add(map: Map<string, Set<number>>, file: string, line: number): void {
    let set = map.get(file);
    if (!set) map.set(file, (set = new Set()));
    set.add(line);
  }
}

const classNameOf = (file: string): string =>
  file
    .split(/[\\/]/)
    .pop()!
    .replace(/\.(cls|trigger)$/, '');

/** Selects test classes and methods by "Class" / "Class.method" filters (case-insensitive). */
function selected(only: string[] | undefined, className: string, method: string): boolean {
  if (!only || only.length === 0) return true;
  const cls = className.toLowerCase();
  return only.some((filter) => {
    const [c, m] = filter.toLowerCase().split('.');
    return c === cls && (m === undefined || m === method.toLowerCase());
  });
}

/** Turns whatever a test method threw into its outcome, message and Apex stack. */
export function classify(error: unknown): { outcome: MethodOutcome; message: string; stack?: string[] } {
  if (error instanceof ApexThrow) {
    return { outcome: 'fail', message: error.message, stack: stackOf(error) };
  }
  if (error instanceof LimitExceeded) return { outcome: 'fail', message: error.message };
  if (error instanceof UnsupportedError) return { outcome: 'unsupported', message: error.message };
  if (error instanceof StepBudgetExceeded) return { outcome: 'timeout', message: error.message };
  if (error instanceof InterpreterError) {
    return { outcome: 'error', message: `interpreter error: ${error.message}`, stack: error.apexStack };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { outcome: 'error', message: `interpreter error: ${e.message}`, stack: e.stack?.split('\n').slice(1, 6) };
}

function stackOf(error: ApexThrow): string[] | undefined {
  const stack = error.exception.native.stack;
  return Array.isArray(stack) ? stack.map(String) : undefined;
}

/** Loads the sources and runs the selected test methods; never throws for a failing test. */
export function runTests(options: RunOptions): RunReport {
  const started = Date.now();
  const sources = options.sources ?? projectSources(options.projectRoot);
  const coverage = new LineCoverage();
  const org = createOrg({ projectRoot: options.projectRoot });
  let debugLines: string[] = [];
  const interpreter = new Interpreter({
    natives: buildRegistry(),
    org,
    coverage,
    stepBudget: options.stepBudget,
    debug: (line) => debugLines.push(line)
  });
  const methods: MethodResult[] = [];
  const record = (result: MethodResult): void => {
    methods.push(result);
    options.onResult?.(result);
  };

  interpreter.load(sources);

  const freshTransaction = (): void => {
    interpreter.resetStatics();
    interpreter.resetSteps();
    const ctx = new ExecContext();
    ctx.inTest = true;
    interpreter.ctx = ctx;
    interpreter.runningUserId = org.defaultUserId();
  };

  for (const testClass of interpreter.testClasses()) {
    const wanted = testClass.methods.filter((method) => selected(options.only, testClass.name, method));
    if (wanted.length === 0) continue;
    const base = org.savepoint();
    // @TestSetup: run once per class; its records are the starting point of every method of the class.
    let setupFailure: ReturnType<typeof classify> | undefined;
    for (const setup of testClass.setupMethods) {
      freshTransaction();
      try {
        interpreter.runStatic(testClass.name, setup);
        org.commit();
      } catch (error) {
        setupFailure = classify(error);
        break;
      }
    }
    const afterSetup = org.savepoint();
    for (const method of wanted) {
      const methodStarted = Date.now();
      debugLines = [];
      if (setupFailure) {
        record({
          className: testClass.name,
          methodName: method,
          outcome: setupFailure.outcome,
          message: `@TestSetup failed: ${setupFailure.message}`,
          stack: setupFailure.stack,
          millis: 0
        });
        continue;
      }
      org.rollback(afterSetup);
      freshTransaction();
      let result: MethodResult;
      try {
        interpreter.runStatic(testClass.name, method);
        result = { className: testClass.name, methodName: method, outcome: 'pass', millis: 0 };
      } catch (error) {
        const c = classify(error);
        result = { className: testClass.name, methodName: method, ...c, millis: 0 };
      }
      result.millis = Date.now() - methodStarted;
      if (debugLines.length) result.debug = debugLines;
      record(result);
    }
    org.rollback(base);
  }

  return {
    methods,
    coverage: coverage
      .summary()
      .map((entry) => ({ ...entry, className: classNameOf(entry.file) }))
      .sort((a, b) => a.file.localeCompare(b.file)),
    millis: Date.now() - started
  };
}

export { ApexParseError };
