import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApexErrorListener, ApexParserFactory } from '@apexdevtools/apex-parser';
import { Finding, GateResult, listFiles, projectRootFromArgs, report, runMain } from './common';

class CollectingListener extends ApexErrorListener {
  readonly errors: Array<{ line: number; column: number; message: string }> = [];

  override apexSyntaxError(line: number, column: number, message: string): void {
    this.errors.push({ line, column, message });
  }
}

/**
 * Parses every Apex class and trigger below `force-app` with the ANTLR Apex grammar, collecting lexer and parser
 * errors through our own listener (the library's `check()` helpers miss lexer errors and always exit 0).
 */
export function checkApexSyntax(root: string): GateResult {
  const files = listFiles(join(root, 'force-app'), ['.cls', '.trigger']);
  const findings: Finding[] = [];
  for (const file of files) {
    const listener = new CollectingListener();
    const { parser } = ApexParserFactory.createLexerAndParser(readFileSync(file, 'utf8'), listener);
    if (file.endsWith('.trigger')) parser.triggerUnit();
    else parser.compilationUnit();
    for (const error of listener.errors) {
      findings.push({ file, line: error.line, column: error.column, rule: 'syntax', message: error.message });
    }
  }
  return { gate: 'apex-syntax', checked: files.length, findings };
}

if (require.main === module) {
  runMain(async () => {
    const root = projectRootFromArgs(process.argv);
    return report(root, checkApexSyntax(root));
  });
}
