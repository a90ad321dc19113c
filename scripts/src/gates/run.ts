import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TOOL_ROOT } from './common';
import { preflight } from './toolchain';

/** One offline gate of `npm test`: a command that exits non-zero when the gate fails. */
export interface Gate {
  name: string;
  command: string;
  args: string[];
}

const bin = (tool: string): string => join(TOOL_ROOT, 'node_modules', '.bin', tool);
const gateScript = (name: string): string => join(TOOL_ROOT, 'scripts', 'dist', 'gates', `${name}.js`);

/** The gates in the order they run: cheap and fundamental first. */
export const GATES: Gate[] = [
  { name: 'typecheck', command: bin('tsc'), args: ['-p', 'scripts/tsconfig.test.json'] },
  { name: 'eslint', command: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  { name: 'prettier', command: bin('prettier'), args: ['--check', '--log-level', 'warn', '.'] },
  { name: 'apex-syntax', command: process.execPath, args: [gateScript('apexSyntax')] },
  { name: 'apex-semantic', command: process.execPath, args: [gateScript('apexSemantic')] },
  { name: 'apex-docs', command: process.execPath, args: [gateScript('apexDocs')] },
  { name: 'pmd', command: process.execPath, args: [gateScript('pmd')] },
  { name: 'apex-tests', command: process.execPath, args: [gateScript('apexTests')] },
  { name: 'metadata-convert', command: process.execPath, args: [gateScript('metadata')] },
  { name: 'metadata-schema', command: process.execPath, args: [gateScript('metadataSchema')] },
  { name: 'actionlint', command: process.execPath, args: [gateScript('actionlint')] },
  { name: 'jest-lwc', command: bin('sfdx-lwc-jest'), args: ['--', '--ci'] },
  { name: 'jest-scripts', command: bin('jest'), args: ['-c', 'scripts/jest.config.js', '--ci'] }
];

interface Outcome {
  name: string;
  code: number;
  seconds: number;
}

function runGate(gate: Gate): Promise<Outcome> {
  const started = Date.now();
  console.log(`\n=== gate: ${gate.name} ===`);
  return new Promise((resolve) => {
    const child = spawn(gate.command, gate.args, { cwd: TOOL_ROOT, stdio: 'inherit', env: process.env });
    const finish = (code: number): void => resolve({ name: gate.name, code, seconds: (Date.now() - started) / 1000 });
    child.on('error', (error) => {
      console.error(`${gate.name}: could not start ${gate.command}: ${error.message}`);
      finish(127);
    });
    child.on('exit', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

/**
 * Runs every gate (or those named on the command line), even after one fails, so a developer sees all problems
 * in one run; prints a summary and exits non-zero if any gate failed.
 */
async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !GATES.some((gate) => gate.name === name));
  if (unknown.length) {
    console.error(`Unknown gate(s): ${unknown.join(', ')}. Gates: ${GATES.map((gate) => gate.name).join(', ')}`);
    return 2;
  }
  const selected = only.length ? GATES.filter((gate) => only.includes(gate.name)) : GATES;
  // The system tools these gates need (Java 21+, Chromium, sqlite3, jq): found, installed, or one line saying what to run.
  const tools = preflight(selected.map((gate) => gate.name));
  if (!tools.ok) {
    console.error(tools.message);
    return 2;
  }
  const found = Object.entries(tools.found).map(([id, path]) => `${id} ${path}`);
  if (found.length)
    console.log(
      `preflight: ${found.join(', ')}${tools.installed.length ? ` (installed ${tools.installed.join(' ')})` : ''}`
    );
  const outcomes: Outcome[] = [];
  for (const gate of selected) outcomes.push(await runGate(gate));
  console.log('\n=== summary ===');
  for (const outcome of outcomes) {
    const verdict = outcome.code === 0 ? 'PASS' : `FAIL (exit ${outcome.code})`;
    console.log(`${outcome.name.padEnd(18)} ${verdict.padEnd(16)} ${outcome.seconds.toFixed(1)}s`);
  }
  const failed = outcomes.filter((outcome) => outcome.code !== 0).length;
  console.log(`gates: ${outcomes.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    }
  );
}
