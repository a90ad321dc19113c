/**
 * Runs Apex given as text (for the runtime's own conformance tests): every `@IsTest` class among `files` is run
 * like the gate runs the project's tests. `projectRoot` supplies the schema (custom objects, custom metadata);
 * by default an empty project, so only standard objects exist.
 */
import { RunReport } from './types';

export interface SnippetOptions {
  projectRoot?: string;
  /** Only these "Class" or "Class.method" names. */
  only?: string[];
  stepBudget?: number;
}

export function runSources(files: Record<string, string>, options: SnippetOptions = {}): RunReport {
  throw new Error(`runSources not implemented yet (${Object.keys(files).length} files, ${JSON.stringify(options)})`);
}
