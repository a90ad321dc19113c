import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Finding, GateResult, listFiles, projectRootFromArgs, report, runMain, TOOL_ROOT } from './common';
import { sfEnvironment, sfExecutable } from './sfEnv';

interface SfJson {
  status: number;
  name?: string;
  message?: string;
  result?: unknown;
}

/** The package directories named in sfdx-project.json: the whole project, not only the default package. */
export function packageDirectories(root: string): string[] {
  const project = JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as {
    packageDirectories: Array<{ path: string }>;
  };
  return project.packageDirectories.map((dir) => dir.path);
}

/**
 * Converts every package directory from source format to Metadata API format with `sf project convert source`
 * into a temporary folder. The conversion fails on metadata files the CLI cannot read or place, and names them.
 */
export function checkMetadataConversion(root: string, toolRoot: string = TOOL_ROOT): GateResult {
  const dirs = packageDirectories(root).filter((dir) => existsSync(join(root, dir)));
  const output = mkdtempSync(join(tmpdir(), 'provisio-convert-'));
  const state = mkdtempSync(join(tmpdir(), 'provisio-sfstate-'));
  const findings: Finding[] = [];
  try {
    const args = ['project', 'convert', 'source', '--output-dir', join(output, 'mdapi'), '--json'];
    for (const dir of dirs) args.push('--source-dir', dir);
    const result = spawnSync(sfExecutable(toolRoot), args, {
      cwd: root,
      encoding: 'utf8',
      env: sfEnvironment(state),
      maxBuffer: 64 * 1024 * 1024
    });
    if (result.error) throw result.error;
    let parsed: SfJson | undefined;
    try {
      parsed = JSON.parse(result.stdout.slice(Math.max(0, result.stdout.indexOf('{')))) as SfJson;
    } catch {
      parsed = undefined;
    }
    if (result.status !== 0 || !parsed || parsed.status !== 0) {
      const message = parsed?.message ?? `${result.stdout}${result.stderr}`.trim();
      const named = /(\/[^\s'"]+\.(?:xml|cls|trigger|js|html|css))/.exec(message)?.[1];
      findings.push({ file: named ?? join(root, 'sfdx-project.json'), rule: parsed?.name ?? 'convert', message });
    }
  } finally {
    rmSync(output, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
  }
  const checked = dirs.reduce((count, dir) => count + listFiles(join(root, dir), ['-meta.xml']).length, 0);
  return { gate: 'metadata-convert', checked, findings };
}

if (require.main === module) {
  runMain(async () => {
    const root = projectRootFromArgs(process.argv);
    return report(root, checkMetadataConversion(root));
  });
}
