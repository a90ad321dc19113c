/**
 * Runs Apex given as text (for the runtime's own conformance tests): every `@IsTest` class among `files` is run
 * exactly as the gate runs the project's tests. `projectRoot` supplies the schema (custom objects, custom
 * metadata); by default an empty project, so only standard objects exist.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from './run';
import { RunReport } from './types';

export interface SnippetOptions {
  projectRoot?: string;
  /** Only these "Class" or "Class.method" names. */
  only?: string[];
  stepBudget?: number;
}

let emptyProject: string | undefined;

/** A project with one empty package directory and no metadata: the org then holds only standard objects. */
function emptyProjectRoot(): string {
  if (!emptyProject) {
    emptyProject = mkdtempSync(join(tmpdir(), 'apex-snippets-'));
    mkdirSync(join(emptyProject, 'force-app', 'main'), { recursive: true });
    writeFileSync(
      join(emptyProject, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app/main', default: true }], sourceApiVersion: '66.0' })
    );
  }
  return emptyProject;
}

/**
 * `files` maps a file name to its Apex: `{ 'Foo.cls': 'public class Foo {...}', 'T.trigger': 'trigger T on ...' }`.
 * A name without an extension is taken as a class.
 */
export function runSources(files: Record<string, string>, options: SnippetOptions = {}): RunReport {
  const sources = Object.entries(files).map(([name, text]) => ({
    path: /\.(cls|trigger)$/.test(name) ? name : `${name}.cls`,
    text
  }));
  return runTests({
    projectRoot: options.projectRoot ?? emptyProjectRoot(),
    sources,
    only: options.only,
    stepBudget: options.stepBudget
  });
}
