import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';

/**
 * Finds the commands a document tells people to run (`npm run X`, `npm test`, `node scripts/bin/provisio.js ...`,
 * `npx sf ...`) and checks them against what exists: package.json scripts, the provisio command tree, and the sf
 * CLI's own command manifests (the oclif.manifest.json of every core plugin of the installed @salesforce/cli).
 * Used by the README test and the workflow test, so the docs and CI cannot name a command or flag that is gone.
 */

export type CommandKind = 'npm' | 'provisio' | 'sf';

/** One command found in a document: its kind, the words after the program name, and where it was. */
export interface CommandRef {
  kind: CommandKind;
  args: string[];
  line: number;
  text: string;
}

/** Shell words of a command line, with quotes removed; `<placeholder>` stays one word. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

/** Splits one shell line into simple commands at `&&`, `||`, `|` and `;` (outside quotes). */
function simpleCommands(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      break;
    } else if (c === ';' || c === '|' || (c === '&' && line[i + 1] === '&')) {
      parts.push(current);
      current = '';
      if (line[i + 1] === c) i++;
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Drops shell redirections (`> file`, `2>&1`, `>/dev/null`) from a command's words. */
function withoutRedirections(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const redirect = /^\d*(>>?|<)(&\d+)?(.*)$/.exec(words[i]);
    if (!redirect) out.push(words[i]);
    else if (!redirect[2] && !redirect[3]) i++; // the target is the next word
  }
  return out;
}

/** Classifies one simple command; undefined when it is none of ours. */
export function classify(allWords: string[]): { kind: CommandKind; args: string[] } | undefined {
  const words = withoutRedirections(allWords);
  const w = words[0] === 'npx' ? words.slice(1) : words;
  if (w[0] === 'sf') return { kind: 'sf', args: w.slice(1) };
  if (w[0] === 'node' && w[1] === 'scripts/bin/provisio.js') return { kind: 'provisio', args: w.slice(2) };
  if (words[0] === 'npm' && words[1] === 'run' && words[2]) return { kind: 'npm', args: [words[2]] };
  if (words[0] === 'npm' && (words[1] === 'test' || words[1] === 't')) return { kind: 'npm', args: ['test'] };
  return undefined;
}

/** Commands in a shell script (one per simple command; `\` continuations joined). */
export function commandsInScript(script: string, firstLine = 1): CommandRef[] {
  const refs: CommandRef[] = [];
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    while (/\\\s*$/.test(line) && i + 1 < lines.length) line = line.replace(/\\\s*$/, ' ') + lines[++i];
    for (const command of simpleCommands(line)) {
      const found = classify(shellWords(command.replace(/^\$\s+/, '')));
      if (found) refs.push({ ...found, line: firstLine + start, text: command });
    }
  }
  return refs;
}

/** Commands shown in the fenced code blocks of a Markdown document (shell-like blocks only). */
export function commandsInMarkdown(markdown: string): CommandRef[] {
  const refs: CommandRef[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(```+|~~~+)\s*(\w*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const lang = open[2].toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(fence)) body.push(lines[j++]);
    if (['', 'sh', 'bash', 'shell', 'console', 'zsh'].includes(lang))
      refs.push(...commandsInScript(body.join('\n'), i + 2));
    i = j;
  }
  return refs;
}

interface ManifestFlag {
  name: string;
  char?: string;
  aliases?: string[];
  charAliases?: string[];
  allowNo?: boolean;
  type?: string;
}

interface ManifestCommand {
  id: string;
  aliases?: string[];
  flags: Record<string, ManifestFlag>;
}

/** The sf CLI's commands, read from the installed core plugins' manifests: id ("org create scratch") → flags. */
export class SfCommandIndex {
  private readonly commands = new Map<string, ManifestCommand>();

  constructor(toolRoot: string) {
    const cliDir = join(toolRoot, 'node_modules', '@salesforce', 'cli');
    const cli = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { oclif: { plugins: string[] } };
    const manifests = [join(cliDir, 'oclif.manifest.json')];
    for (const plugin of cli.oclif.plugins) {
      const candidates = [join(cliDir, 'node_modules', plugin), join(toolRoot, 'node_modules', plugin)];
      const dir = candidates.find((c) => existsSync(join(c, 'oclif.manifest.json')));
      if (dir) manifests.push(join(dir, 'oclif.manifest.json'));
    }
    for (const file of manifests.filter((f) => existsSync(f))) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { commands: Record<string, ManifestCommand> };
      for (const command of Object.values(manifest.commands)) {
        for (const id of [command.id, ...(command.aliases ?? [])]) this.commands.set(id.replace(/:/g, ' '), command);
      }
    }
    if (this.commands.size < 50)
      throw new Error(`Only ${this.commands.size} sf commands found under ${dirname(cliDir)}`);
  }

  /** Checks `sf <args>`; returns problems (empty when the command and its flags exist). */
  check(args: string[]): string[] {
    const words = commandName(args).split(' ').filter(Boolean);
    if (args.length > 0 && words.length === 0 && args.every((a) => ['--version', '-v', '--help', '-h'].includes(a))) {
      return [];
    }
    let command: ManifestCommand | undefined;
    for (let n = Math.min(words.length, 5); n > 0 && !command; n--)
      command = this.commands.get(words.slice(0, n).join(' '));
    if (!command) return [`"sf ${words.slice(0, 3).join(' ')}" is not an sf command`];
    const problems: string[] = [];
    for (const arg of args) {
      if (!arg.startsWith('-') || arg === '-') continue;
      const name = arg.replace(/=.*$/, '');
      if (['--json', '--help', '-h', '--flags-dir'].includes(name)) continue;
      if (!this.hasFlag(command, name)) problems.push(`sf ${command.id.replace(/:/g, ' ')} has no flag ${name}`);
    }
    return problems;
  }

  private hasFlag(command: ManifestCommand, name: string): boolean {
    const flags = Object.values(command.flags);
    if (name.startsWith('--')) {
      const long = name.slice(2);
      return flags.some(
        (f) => f.name === long || (f.aliases ?? []).includes(long) || (f.allowNo === true && long === `no-${f.name}`)
      );
    }
    const short = name.slice(1);
    return short.length === 1 && flags.some((f) => f.char === short || (f.charAliases ?? []).includes(short));
  }
}

/** Checks `node scripts/bin/provisio.js <args>` against the CLI's command tree (buildProgram()). */
export function checkProvisio(program: Command, args: string[]): string[] {
  let command = program;
  const path: string[] = [];
  let i = 0;
  for (; i < args.length && !args[i].startsWith('-'); i++) {
    const next = command.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i]));
    if (!next) {
      if (command.commands.length === 0) break; // positional arguments of a leaf command
      return [`"provisio ${[...path, args[i]].join(' ')}" is not a provisio command`];
    }
    command = next;
    path.push(args[i]);
  }
  if (path.length === 0 && !args.every((a) => ['--help', '-h', '--version', '-v'].includes(a))) {
    return [`"provisio ${args.join(' ')}" names no command`];
  }
  const problems: string[] = [];
  for (const arg of args.slice(i)) {
    if (!arg.startsWith('-')) continue;
    const name = arg.replace(/=.*$/, '');
    if (['--help', '-h'].includes(name) || (path.length === 0 && ['--version', '-v'].includes(name))) continue;
    const known = command.options.some((o) => o.long === name || o.short === name);
    if (!known) problems.push(`provisio ${path.join(' ')} has no option ${name}`);
  }
  return problems;
}

/** The command words of provisio or sf arguments: everything before the first flag ("validate inbound"). */
export function commandName(args: string[]): string {
  const firstFlag = args.findIndex((a) => a.startsWith('-'));
  return args.slice(0, firstFlag < 0 ? args.length : firstFlag).join(' ');
}

/** Checks `npm run <script>` against package.json. */
export function checkNpm(scripts: Record<string, string>, args: string[]): string[] {
  return args[0] in scripts ? [] : [`package.json has no script "${args[0]}"`];
}
