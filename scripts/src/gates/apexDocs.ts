import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Finding, GateResult, listFiles, report, runMain, TOOL_ROOT } from './common';

/** Where the generated Apex reference lives, relative to the project root. */
export const DOCS_DIR = join('docs', 'apex');

/** The one command that regenerates it (package.json `docs:apex`); every failure message names it. */
export const REGENERATE = 'npm run docs:apex';

/** The packaged source directories of sfdx-project.json: what the reference documents (not the tests). */
export function documentedSourceDirs(root: string): string[] {
  const project = JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories: Array<{ path: string; package?: string }>;
  };
  return project.packageDirectories.filter((dir) => dir.package).map((dir) => dir.path);
}

/** The apexdocs options: public and global members, sorted so the output does not depend on file-system order. */
const OPTIONS = ['--scope', 'global', 'public', '--sortAlphabetically', '--defaultGroupName', 'Miscellaneous'];

/** Name of the stamp written next to the pages: what they were generated from, and the pages' own hashes. */
export const STAMP = '.apexdocs-stamp.json';

interface Stamp {
  generator: string;
  options: string[];
  sources: string;
  pages: Record<string, string>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * The files apexdocs documents from: Apex classes and triggers with their metadata, custom objects and their fields,
 * and custom metadata records. Other metadata (LWC, layouts, permission sets) does not change the pages.
 */
const SOURCE_ENDINGS = [
  '.cls',
  '.trigger',
  '.cls-meta.xml',
  '.trigger-meta.xml',
  '.object-meta.xml',
  '.field-meta.xml',
  '.md-meta.xml'
];

/** One hash over every file apexdocs reads in the documented directories, by path and content. */
export function sourcesHash(root: string): string {
  const files = documentedSourceDirs(root)
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) => listFiles(join(root, dir), SOURCE_ENDINGS));
  return sha256(files.map((file) => `${relative(root, file)}\0${sha256(readFileSync(file))}`).join('\n'));
}

function generatorVersion(toolRoot: string): string {
  const pkg = JSON.parse(
    readFileSync(join(toolRoot, 'node_modules', '@cparra', 'apexdocs', 'package.json'), 'utf8')
  ) as { version: string };
  return `@cparra/apexdocs@${pkg.version}`;
}

function pageHashes(dir: string): Record<string, string> {
  const pages: Record<string, string> = {};
  for (const file of existsSync(dir) ? listFiles(dir, ['']) : []) {
    const name = relative(dir, file);
    if (name !== STAMP) pages[name] = sha256(readFileSync(file));
  }
  return pages;
}

/** apexdocs' own CLI script (the `apexdocs` bin of @cparra/apexdocs), run with this Node. */
function apexdocsScript(toolRoot: string): string {
  const pkgDir = join(toolRoot, 'node_modules', '@cparra', 'apexdocs');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(pkgDir, pkg.bin.apexdocs);
}

/**
 * Generates the Markdown reference of `sourceDir` into `targetDir` with @cparra/apexdocs: public and global members,
 * sorted alphabetically so the output does not depend on file-system order. Throws with apexdocs' message when it
 * fails (it reports some errors with exit code 0, so its output is read too).
 */
export function generateApexDocs(root: string, sourceDir: string, targetDir: string, toolRoot = TOOL_ROOT): void {
  const args = [apexdocsScript(toolRoot), 'markdown', '--sourceDir', sourceDir, '--targetDir', targetDir, ...OPTIONS];
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' }
  });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0 || /❌|An error occurred/.test(output)) {
    throw new Error(`apexdocs failed on ${sourceDir}:\n${output.trim()}`);
  }
}

/** Compares two generated trees file by file; `actual` is what is committed, `expected` a fresh generation. */
export function compareTrees(expected: string, actual: string): Finding[] {
  const list = (dir: string): Map<string, string> =>
    new Map(
      (existsSync(dir) ? listFiles(dir, ['']) : [])
        .map((file) => [relative(dir, file), file] as const)
        .filter(([name]) => name !== STAMP)
    );
  const want = list(expected);
  const have = list(actual);
  const findings: Finding[] = [];
  const fix = `regenerate with \`${REGENERATE}\` and commit ${DOCS_DIR}`;
  for (const [name, file] of want) {
    const committed = have.get(name);
    if (!committed) {
      findings.push({ file: join(actual, name), rule: 'missing', message: `not generated yet: ${fix}` });
      continue;
    }
    const a = readFileSync(file, 'utf8').split('\n');
    const b = readFileSync(committed, 'utf8').split('\n');
    const line = a.findIndex((text, i) => text !== b[i]);
    if (line >= 0 || a.length !== b.length) {
      const at = line >= 0 ? line : Math.min(a.length, b.length);
      findings.push({
        file: committed,
        line: at + 1,
        rule: 'stale',
        message: `out of date with the Apex source: ${fix}`
      });
    }
  }
  for (const [name, file] of have) {
    if (!want.has(name)) {
      findings.push({ file, rule: 'orphan', message: `documents something that no longer exists: ${fix}` });
    }
  }
  return findings;
}

/**
 * Fast check: docs/apex is current when its stamp names the same sources, generator and options as now, and its
 * pages are exactly the ones the stamp lists (no page edited, added or removed by hand). Returns undefined when that
 * cannot be shown, and the caller regenerates and diffs instead.
 */
export function checkStamp(root: string, toolRoot = TOOL_ROOT): GateResult | undefined {
  const dir = join(root, DOCS_DIR);
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
  const current =
    stamp.generator === generatorVersion(toolRoot) &&
    JSON.stringify(stamp.options) === JSON.stringify(OPTIONS) &&
    stamp.sources === sourcesHash(root) &&
    JSON.stringify(pageHashes(dir)) === JSON.stringify(stamp.pages);
  return current ? { gate: 'apex-docs', checked: Object.keys(stamp.pages).length, findings: [] } : undefined;
}

/**
 * The gate: passes at once when the stamp shows docs/apex was generated from exactly the current sources;
 * otherwise (or with `full`) regenerates into a temporary folder and diffs it against docs/apex file by file.
 */
export function checkApexDocs(root: string, toolRoot = TOOL_ROOT, full = false): GateResult {
  const fast = full ? undefined : checkStamp(root, toolRoot);
  if (fast) return fast;
  const scratch = mkdtempSync(join(tmpdir(), 'provisio-apexdocs-'));
  try {
    const findings: Finding[] = [];
    for (const dir of documentedSourceDirs(root).filter((d) => existsSync(join(root, d)))) {
      try {
        generateApexDocs(root, dir, scratch, toolRoot);
      } catch (error) {
        findings.push({ file: join(root, dir), rule: 'apexdocs', message: (error as Error).message });
      }
    }
    if (findings.length === 0) findings.push(...compareTrees(scratch, join(root, DOCS_DIR)));
    if (findings.length === 0 && !full) {
      // Same pages, but the stamp does not say so (hand-edited or older generator): make the next run fast again.
      findings.push({
        file: join(root, DOCS_DIR, STAMP),
        rule: 'stamp',
        message: `stamp out of date: run \`${REGENERATE}\``
      });
    }
    return { gate: 'apex-docs', checked: listFiles(scratch, ['']).length, findings };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `npm run docs:apex`: replaces docs/apex with a fresh generation (removing pages of deleted classes). */
export function writeApexDocs(root: string, toolRoot = TOOL_ROOT): number {
  const scratch = mkdtempSync(join(tmpdir(), 'provisio-apexdocs-'));
  try {
    for (const dir of documentedSourceDirs(root).filter((d) => existsSync(join(root, d)))) {
      generateApexDocs(root, dir, scratch, toolRoot);
    }
    const target = join(root, DOCS_DIR);
    rmSync(target, { recursive: true, force: true });
    cpSync(scratch, target, { recursive: true });
    const stamp: Stamp = {
      generator: generatorVersion(toolRoot),
      options: OPTIONS,
      sources: sourcesHash(root),
      pages: pageHashes(target)
    };
    writeFileSync(join(target, STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
    const count = Object.keys(stamp.pages).length;
    console.log(`${DOCS_DIR}: ${count} page(s) written from ${documentedSourceDirs(root).join(', ')}`);
    return count;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runMain(async () => {
    const args = process.argv.slice(2);
    const write = args.includes('--write');
    const full = args.includes('--full');
    const root = resolve(args.find((a) => !a.startsWith('--')) ?? process.cwd());
    if (write) {
      writeApexDocs(root);
      return 0;
    }
    const result = checkApexDocs(root, TOOL_ROOT, full);
    const code = report(root, result);
    if (code !== 0) console.log(`\n${DOCS_DIR} is not current. Regenerate it with:  ${REGENERATE}`);
    return code;
  });
}
