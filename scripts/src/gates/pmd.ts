import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CodeAnalyzer,
  CodeAnalyzerConfig,
  OutputFormat,
  RunResultsFormatter,
  SeverityLevel
} from '@salesforce/code-analyzer-core';
import * as pmdEngine from '@salesforce/code-analyzer-pmd-engine';
import { Finding, GateResult, listFiles, projectRootFromArgs, report, runMain } from './common';

/** The rule selectors the gate runs: PMD's recommended Apex set plus every security rule. */
export const RULE_SELECTORS = ['pmd:Recommended', 'pmd:Security'];

/** Severity at or above which (1 Critical, 2 High) a violation fails the gate. */
export const FAIL_AT_OR_ABOVE = SeverityLevel.High;

export interface PmdOptions {
  /** Where the SARIF report goes; defaults to reports/pmd.sarif under the project. */
  sarifPath?: string;
  /** Code Analyzer configuration file; defaults to code-analyzer.yml in `configRoot`. */
  configRoot?: string;
}

/**
 * Runs PMD's Apex rules through Salesforce Code Analyzer's engine packages over `force-app`, writes SARIF, and
 * returns the violations of severity 1–2 as findings (lower severities are printed as a count only).
 */
export async function checkPmd(root: string, options: PmdOptions = {}): Promise<GateResult> {
  const configRoot = options.configRoot ?? root;
  // code-analyzer.yml names a log folder under .tmp/; Code Analyzer insists that it exists.
  mkdirSync(join(configRoot, '.tmp', 'code-analyzer-logs'), { recursive: true });
  const config = CodeAnalyzerConfig.fromFile(join(configRoot, 'code-analyzer.yml'));
  const analyzer = new CodeAnalyzer(config);
  await analyzer.addEnginePlugin(pmdEngine.createEnginePlugin());
  const target = join(root, 'force-app');
  const workspace = await analyzer.createWorkspace([target]);
  const rules = await analyzer.selectRules(RULE_SELECTORS, { workspace });
  const results = await analyzer.run(rules, { workspace });
  const sarifPath = options.sarifPath ?? join(root, 'reports', 'pmd.sarif');
  mkdirSync(dirname(sarifPath), { recursive: true });
  writeFileSync(sarifPath, RunResultsFormatter.forFormat(OutputFormat.SARIF).format(results));

  const findings: Finding[] = [];
  let below = 0;
  for (const violation of results.getViolations()) {
    const rule = violation.getRule();
    if (rule.getSeverityLevel() > FAIL_AT_OR_ABOVE) {
      below++;
      continue;
    }
    const location = violation.getPrimaryLocation();
    findings.push({
      file: location.getFile() ?? target,
      line: location.getStartLine(),
      column: location.getStartColumn(),
      rule: `${rule.getEngineName()}:${rule.getName()} sev${rule.getSeverityLevel()}`,
      message: violation.getMessage()
    });
  }
  if (below > 0) console.log(`pmd: ${below} violation(s) below severity 2 (see ${sarifPath})`);
  const checked = listFiles(target, ['.cls', '.trigger']).length;
  return { gate: 'pmd', checked, findings };
}

if (require.main === module) {
  runMain(async () => {
    const root = projectRootFromArgs(process.argv);
    return report(root, await checkPmd(root));
  });
}
