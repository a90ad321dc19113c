import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoverageInputError,
  DEFAULT_THRESHOLDS,
  evaluateCoverage,
  hasExecutableCode,
  main,
  packagedApexUnits,
  parsePercent,
  parseRunResult,
  renderMarkdown
} from '../src/ci/coverageGate';

const FIXTURES = join(__dirname, 'fixtures', 'ci');
const fixture = (name: string): string => join(FIXTURES, name);
const load = (name: string): unknown => JSON.parse(readFileSync(fixture(name), 'utf8'));

/** A throw-away SFDX project whose packaged classes match the names in the hand-made results. */
function makeProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'provisio-covgate-'));
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write(
    'sfdx-project.json',
    JSON.stringify({
      packageDirectories: [
        { path: 'pkg', package: 'Provisio', default: true },
        { path: 'tests', default: false }
      ]
    })
  );
  write('pkg/scim/classes/ScimClient.cls', 'public with sharing class ScimClient { public Integer a() { return 1; } }');
  write(
    'pkg/engine/classes/ProvisioningService.cls',
    'public with sharing class ProvisioningService { Integer n = 2; }'
  );
  write('pkg/native/triggers/UserTrigger.trigger', 'trigger UserTrigger on User (after update) {}');
  write('pkg/scim/classes/ScimTarget.cls', 'public interface ScimTarget { void send(String body); }');
  write('pkg/scim/classes/ScimOperation.cls', 'public enum ScimOperation { CREATE, UPDATE }');
  write('pkg/scim/classes/ScimFault.cls', 'public with sharing class ScimFault extends Exception {}');
  write('tests/classes/ScimClient_Tests.cls', '@IsTest private class ScimClient_Tests { @IsTest static void t() {} }');
  return root;
}

describe('coverage gate', () => {
  let root: string;
  let logged: string[];
  let errors: string[];

  beforeAll(() => {
    root = makeProject();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    logged = [];
    errors = [];
    jest.spyOn(console, 'log').mockImplementation((text: string) => void logged.push(text));
    jest.spyOn(console, 'error').mockImplementation((text: string) => void errors.push(text));
  });
  afterEach(() => jest.restoreAllMocks());

  const run = (result: string, ...extra: string[]): number =>
    main(['--result', fixture(result), '--project', root, ...extra]);

  it('passes a clean run and reports each packaged class, ignoring classes that are not ours', () => {
    expect(run('apex-run-passed.json')).toBe(0);
    const out = logged.join('\n');
    expect(out).toContain('Apex coverage gate: PASSED');
    expect(out).toContain('| ProvisioningService | 95% | 76/80 |');
    expect(out).toContain('| ScimClient | 95% | 114/120 |');
    expect(out).not.toContain('SomeoneElsesClass');
    expect(out).toContain('No executable lines (not judged): ScimFault, ScimOperation, ScimTarget.');
  });

  it('fails when one class of ours is under 85% even though org-wide is above 90%', () => {
    expect(run('apex-run-class-under-85.json')).toBe(1);
    expect(logged.join('\n')).toContain(
      'ProvisioningService: 83.8% (67/80 lines) is under the per-class minimum of 85%.'
    );
  });

  it('fails under 90% org-wide, reading the bare result file that --output-dir writes', () => {
    expect(run('test-result-707xx00000RUNID-org-wide-88.json')).toBe(1);
    expect(logged.join('\n')).toContain('Org-wide coverage 88% is under the minimum of 90%.');
  });

  it('fails on a failed test and names it with its message', () => {
    expect(run('apex-run-test-failed.json')).toBe(1);
    expect(logged.join('\n')).toContain(
      'UserTrigger_Tests.shouldEnqueueOnDeactivate: System.AssertException: Assertion Failed: Expected: 1, Actual: 0'
    );
  });

  it('explains the real "aggregated coverage only" result instead of blaming every class', () => {
    expect(run('apex-run-aggregate-coverage-only__mdapi-issues.json')).toBe(1);
    const out = logged.join('\n');
    expect(out).toContain('enableAggregateCodeCoverageOnly');
    expect(out).not.toContain('ScimClient: no coverage recorded');
  });

  it('reports the sf CLI error of a run that never started (exit 2, message kept)', () => {
    expect(run('sf-error-no-org.json')).toBe(2);
    expect(errors.join('\n')).toMatch(/NamedOrgNotFoundError: .*No authorization information found/s);
  });

  it('thresholds can be set from the command line, and bad ones are usage errors', () => {
    expect(run('apex-run-class-under-85.json', '--class-min', '80')).toBe(0);
    expect(run('apex-run-passed.json', '--org-wide-min', '150')).toBe(2);
    expect(main(['--project', root])).toBe(2);
    expect(errors.join('\n')).toContain('--result is required');
    expect(run('does-not-exist.json')).toBe(2);
  });

  it('appends the Markdown report to the summary file when asked', () => {
    const summary = join(root, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    expect(run('apex-run-passed.json', '--summary', summary)).toBe(0);
    expect(readFileSync(summary, 'utf8')).toMatch(/^# earlier step\n## Apex coverage gate: PASSED/);
  });
});

describe('coverage gate pieces', () => {
  it('flags a class of ours that no test ran as 0%', () => {
    const result = parseRunResult(load('apex-run-passed.json'));
    const verdict = evaluateCoverage(result, [{ name: 'NeverRun', executable: true }]);
    expect(verdict.passed).toBe(false);
    expect(verdict.failures).toContain('NeverRun: no coverage recorded (0%): no test ran any of its lines.');
    expect(renderMarkdown(verdict, DEFAULT_THRESHOLDS)).toContain('| NeverRun | 0% | not run |');
  });

  it('parses percentages strictly', () => {
    expect(parsePercent('93%')).toBe(93);
    expect(parsePercent('87.5 %')).toBe(87.5);
    expect(parsePercent('93')).toBeUndefined();
    expect(parsePercent(undefined)).toBeUndefined();
  });

  it('rejects JSON that is not a test result', () => {
    expect(() => parseRunResult([])).toThrow(CoverageInputError);
    expect(() => parseRunResult({ status: 0, result: { tests: [] } })).toThrow(/no test summary/);
  });

  it('tells code from declarations', () => {
    expect(hasExecutableCode('public interface A { void b(); }')).toBe(false);
    expect(hasExecutableCode('public enum A { X, Y }')).toBe(false);
    expect(hasExecutableCode('public class A extends Exception {}')).toBe(false);
    expect(hasExecutableCode('public class A { public String b { get; set; } }')).toBe(false);
    expect(hasExecutableCode('public class A { public String b { get { return "x"; } } }')).toBe(true);
    expect(hasExecutableCode('public class A { static { Integer i; } }')).toBe(true);
    expect(hasExecutableCode('public class A { public class B { Integer c = 1; } }')).toBe(true);
  });

  it('lists only the packaged directories of sfdx-project.json', () => {
    const root = makeProject();
    try {
      const names = packagedApexUnits(root).map((unit) => unit.name);
      expect(names).toContain('UserTrigger');
      expect(names).not.toContain('ScimClient_Tests');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
