import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkApexDocs, checkStamp, DOCS_DIR, REGENERATE, STAMP, writeApexDocs } from '../src/gates/apexDocs';
import { TOOL_ROOT } from '../src/gates/common';

const META =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
  '    <apiVersion>66.0</apiVersion>\n    <status>Active</status>\n</ApexClass>\n';

const CLASS = (name: string, description: string): string => `/**
 * @description ${description}
 * @group Engine
 */
public with sharing class ${name} {
  /**
   * @description Adds one.
   * @param value the number
   * @return value + 1
   */
  public static Integer next(Integer value) {
    return value + 1;
  }
}
`;

// Each apexdocs run takes a few seconds of CPU (its Apex parser is Dart compiled to JavaScript); on a loaded
// machine a test with three runs needs more than the default minute.
jest.setTimeout(180_000);

describe('apex-docs gate', () => {
  let root: string;
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const addClass = (name: string, description: string): void => {
    write(`pkg/engine/classes/${name}.cls`, CLASS(name, description));
    write(`pkg/engine/classes/${name}.cls-meta.xml`, META);
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'provisio-apexdocs-test-'));
    write(
      'sfdx-project.json',
      JSON.stringify({
        packageDirectories: [
          { path: 'pkg', package: 'Provisio', default: true },
          { path: 'tests', default: false }
        ],
        sourceApiVersion: '66.0'
      })
    );
    addClass('Counter', 'Counts things.');
    write('tests/classes/Counter_Tests.cls', '@IsTest private class Counter_Tests {}');
    write('tests/classes/Counter_Tests.cls-meta.xml', META);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(() => {
    jest.restoreAllMocks();
    rmSync(root, { recursive: true, force: true });
  });

  it('fails before the docs exist, and names the command that generates them', () => {
    const result = checkApexDocs(root, TOOL_ROOT);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.every((f) => f.rule === 'missing')).toBe(true);
    expect(result.findings[0].message).toContain(REGENERATE);
  });

  it('passes once generated, documenting packaged classes only', () => {
    writeApexDocs(root, TOOL_ROOT);
    const page = readFileSync(join(root, DOCS_DIR, 'engine', 'Counter.md'), 'utf8');
    expect(page).toContain('Counts things.');
    expect(page).toContain('next');
    expect(readFileSync(join(root, DOCS_DIR, 'index.md'), 'utf8')).not.toContain('Counter_Tests');
    expect(checkStamp(root, TOOL_ROOT)?.findings).toEqual([]);
    // metadata apexdocs does not read leaves the stamp valid; Apex metadata it reads does not
    write('pkg/admin/permissionsets/Admin.permissionset-meta.xml', '<PermissionSet/>\n');
    expect(checkStamp(root, TOOL_ROOT)).toBeDefined();
    write('pkg/engine/classes/Counter.cls-meta.xml', META.replace('66.0', '65.0'));
    expect(checkStamp(root, TOOL_ROOT)).toBeUndefined();
    write('pkg/engine/classes/Counter.cls-meta.xml', META);
  });

  it('does not trust the stamp when a page was edited by hand, or when the stamp is gone', () => {
    const page = join(root, DOCS_DIR, 'engine', 'Counter.md');
    const original = readFileSync(page, 'utf8');
    writeFileSync(page, original.replace('Counts things.', 'Counts nothing.'));
    expect(checkStamp(root, TOOL_ROOT)).toBeUndefined();
    expect(checkApexDocs(root, TOOL_ROOT).findings.map((f) => f.rule)).toEqual(['stale']);
    writeFileSync(page, original);
    const stamp = readFileSync(join(root, DOCS_DIR, STAMP), 'utf8');
    unlinkSync(join(root, DOCS_DIR, STAMP));
    expect(checkApexDocs(root, TOOL_ROOT).findings.map((f) => f.rule)).toEqual(['stamp']);
    writeFileSync(join(root, DOCS_DIR, STAMP), stamp);
  });

  it('fails when a documented class changes, is added or is removed', () => {
    addClass('Counter', 'Counts things twice.');
    addClass('Meter', 'Measures things.');
    const findings = checkApexDocs(root, TOOL_ROOT).findings;
    const by = (rule: string): string[] =>
      findings.filter((f) => f.rule === rule).map((f) => f.file.slice(join(root, DOCS_DIR).length + 1));
    expect(by('stale')).toEqual(expect.arrayContaining(['engine/Counter.md', 'index.md']));
    expect(by('missing')).toEqual(['engine/Meter.md']);

    writeApexDocs(root, TOOL_ROOT);
    unlinkSync(join(root, 'pkg/engine/classes/Meter.cls'));
    unlinkSync(join(root, 'pkg/engine/classes/Meter.cls-meta.xml'));
    const orphan = checkApexDocs(root, TOOL_ROOT).findings.filter((f) => f.rule === 'orphan');
    expect(orphan.map((f) => f.file)).toEqual([join(root, DOCS_DIR, 'engine', 'Meter.md')]);
    expect(orphan[0].message).toContain('npm run docs:apex');
  });

  it('reports an apexdocs failure (a class metadata file without its class) instead of a diff', () => {
    write('pkg/engine/classes/Ghost.cls-meta.xml', META);
    try {
      const findings = checkApexDocs(root, TOOL_ROOT).findings;
      expect(findings).toHaveLength(1);
      expect(findings[0].rule).toBe('apexdocs');
      expect(findings[0].message).toMatch(/Ghost\.cls-meta\.xml/);
    } finally {
      unlinkSync(join(root, 'pkg/engine/classes/Ghost.cls-meta.xml'));
    }
  });
});
