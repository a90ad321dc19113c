import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findJava } from './java';

/**
 * The preflight of `npm test`: the system tools some gates need beyond npm packages (Java 21+, Chromium, sqlite3,
 * jq). Each is looked for first; a missing one is installed from Debian packages, as scripts/setup-system.sh does,
 * when this process is root or may use sudo without a password; otherwise the run stops at once with one line that
 * names the command to run. So `npm ci && npm test` is the whole set-up on a fresh Debian machine.
 */

/** A system tool a gate needs. */
export interface Tool {
  id: string;
  /** What the messages call it. */
  label: string;
  /** Debian packages that provide it; `undefined` when the package name is found with apt-cache (Java). */
  packages?: string[];
  /** apt-cache search pattern (`--names-only`) whose newest match is the package, when `packages` is not fixed. */
  packageSearch?: string;
  /** What to do when no Debian package provides it. */
  otherwise?: string;
  /** Looks for it; the path of what was found, or undefined. */
  find: (env: NodeJS.ProcessEnv) => string | undefined;
  /** Environment variable the gates read for its path, set for them when the tool is found. */
  envVar?: string;
}

export type Privilege = 'root' | 'sudo' | 'none';

export type Decision =
  | { kind: 'found'; tool: Tool; path: string }
  | { kind: 'install'; tool: Tool; asRoot: string[] }
  | { kind: 'missing'; tool: Tool };

/** The first executable `name` in PATH, or undefined. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const firstExecutable = (paths: Array<string | undefined>): string | undefined =>
  paths.find((path): path is string => path !== undefined && isExecutable(path));

const javaAtLeast =
  (major: number) =>
  (env: NodeJS.ProcessEnv): string | undefined => {
    try {
      return findJava(major, env).executable;
    } catch {
      return undefined;
    }
  };

/** Java 21+ (apex-ls), any Java 11+ (PMD), Chromium (console browser check), sqlite3 (bench peer), jq (workflow steps). */
export const TOOLS: Record<string, Tool> = {
  java21: {
    id: 'java21',
    label: 'Java 21+',
    packageSearch: '^openjdk-(2[1-9]|[3-9][0-9])-jre-headless$',
    otherwise: 'install a Java 21+ JDK (e.g. Temurin) under /usr/lib/jvm or set PROVISIO_JAVA to its bin/java',
    find: javaAtLeast(21),
    envVar: 'PROVISIO_JAVA'
  },
  java: {
    id: 'java',
    label: 'Java 11+',
    packages: ['default-jre-headless'],
    find: javaAtLeast(11)
  },
  chromium: {
    id: 'chromium',
    label: 'Chromium',
    packages: ['chromium', 'fonts-liberation'],
    find: (env) => firstExecutable([env.PROVISIO_CHROMIUM, '/usr/bin/chromium', onPath('chromium', env)]),
    envVar: 'PROVISIO_CHROMIUM'
  },
  sqlite3: {
    id: 'sqlite3',
    label: 'sqlite3',
    packages: ['sqlite3'],
    // The benchmark and its test run /usr/bin/sqlite3, the Debian package's path.
    find: () => firstExecutable(['/usr/bin/sqlite3'])
  },
  jq: {
    id: 'jq',
    label: 'jq',
    packages: ['jq'],
    find: (env) => onPath('jq', env)
  }
};

/** Which tools each gate needs; gates not listed need none. */
export const GATE_TOOLS: Record<string, string[]> = {
  'apex-semantic': ['java21'],
  pmd: ['java'],
  // gates.test.ts runs apex-ls and PMD; consoleBrowser needs Chromium; review-bench sqlite3; workflows jq.
  'jest-scripts': ['java21', 'chromium', 'sqlite3', 'jq']
};

/** The tools the selected gates need, each once, in a fixed order. */
export function toolsFor(gateNames: string[], gateTools: Record<string, string[]> = GATE_TOOLS): Tool[] {
  const ids = new Set(gateNames.flatMap((name) => gateTools[name] ?? []));
  return Object.values(TOOLS).filter((tool) => ids.has(tool.id));
}

/** Root, sudo without a password prompt, or neither. PROVISIO_NO_INSTALL=1 never installs. */
export function privilege(
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? -1,
  sudoWorks: () => boolean = () => spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0
): Privilege {
  if (env.PROVISIO_NO_INSTALL === '1') return 'none';
  if (uid === 0) return 'root';
  return sudoWorks() ? 'sudo' : 'none';
}

/** Prefix for a command that needs root: nothing as root, `sudo -n` with sudo. */
export function asRootPrefix(privilegeLevel: Privilege): string[] {
  return privilegeLevel === 'sudo' ? ['sudo', '-n'] : [];
}

/** The decision for one tool: found (with its path), to be installed, or missing (cannot install here). */
export function decide(tool: Tool, foundPath: string | undefined, privilegeLevel: Privilege): Decision {
  if (foundPath) return { kind: 'found', tool, path: foundPath };
  if (privilegeLevel === 'none') return { kind: 'missing', tool };
  return { kind: 'install', tool, asRoot: asRootPrefix(privilegeLevel) };
}

/** The newest package of `apt-cache search --names-only` output (`name - description` lines), by version order. */
export function newestPackage(aptCacheOutput: string): string | undefined {
  const names = aptCacheOutput
    .split('\n')
    .map((line) => line.split(' ')[0].trim())
    .filter(Boolean);
  const number = (name: string): number => Number(/(\d+)/.exec(name)?.[1] ?? 0);
  return names.sort((a, b) => number(a) - number(b)).pop();
}

/** Why tools could not be installed when no Debian package provides them. */
export const NO_PACKAGE = 'no package in the apt sources';

/** The one line printed when tools are missing and cannot be installed here: what is missing and what to run. */
export function missingLine(tools: Tool[], reason: string): string {
  const parts: string[] = [];
  const packages = tools.flatMap((tool) => tool.packages ?? []);
  if (packages.length) {
    parts.push(`run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`);
  }
  for (const tool of tools.filter((t) => !t.packages)) {
    if (reason === NO_PACKAGE) parts.push(tool.otherwise ?? `install ${tool.label}`);
    else parts.push(`run: sudo bash scripts/setup-system.sh (or ${tool.otherwise ?? `install ${tool.label}`})`);
  }
  const what = tools.map((tool) => tool.label).join(', ');
  return `preflight: ${what} not found (${reason}); ${parts.join('; ')}; then npm test again.`;
}

/** What the preflight does to the machine; replaced in tests so nothing is installed. */
export interface System {
  /** Runs a command with inherited output; returns its exit code. */
  run: (command: string[]) => number;
  /** Runs a command and returns its standard output ('' on failure). */
  capture: (command: string[]) => string;
  log: (line: string) => void;
}

export const REAL_SYSTEM: System = {
  run: (command) => {
    const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
    return result.error ? 127 : (result.status ?? 1);
  },
  capture: (command) => {
    const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
    return result.status === 0 ? result.stdout : '';
  },
  log: (line) => console.log(line)
};

export interface PreflightResult {
  ok: boolean;
  /** The one line naming what to run, when not ok. */
  message?: string;
  found: Record<string, string>;
  installed: string[];
}

/**
 * Finds the tools the selected gates need; installs the missing ones with apt-get (as root or with sudo -n);
 * sets the tools' environment variables for the gates. Never prompts.
 */
export function preflight(
  gateNames: string[],
  options: { env?: NodeJS.ProcessEnv; privilege?: Privilege; system?: System; tools?: Tool[] } = {}
): PreflightResult {
  const env = options.env ?? process.env;
  const system = options.system ?? REAL_SYSTEM;
  const tools = options.tools ?? toolsFor(gateNames);
  const found: Record<string, string> = {};
  const record = (tool: Tool, path: string): void => {
    found[tool.id] = path;
    if (tool.envVar && !env[tool.envVar]) env[tool.envVar] = path;
  };
  const firstLook = tools.map((tool) => ({ tool, path: tool.find(env) }));
  for (const { tool, path } of firstLook) if (path) record(tool, path);
  const absent = firstLook.filter(({ path }) => !path).map(({ tool }) => tool);
  if (absent.length === 0) return { ok: true, found, installed: [] };

  const level = options.privilege ?? privilege(env);
  const decisions = absent.map((tool) => decide(tool, undefined, level));
  if (decisions.some((decision) => decision.kind === 'missing')) {
    return {
      ok: false,
      message: missingLine(
        absent,
        env.PROVISIO_NO_INSTALL === '1' ? 'PROVISIO_NO_INSTALL=1' : 'not root, and sudo needs a password or is absent'
      ),
      found,
      installed: []
    };
  }
  const prefix = asRootPrefix(level);
  system.log(`preflight: installing ${absent.map((tool) => tool.label).join(', ')} from Debian packages`);
  if (system.run([...prefix, 'apt-get', 'update', '-qq']) !== 0) {
    return { ok: false, message: missingLine(absent, 'apt-get update failed'), found, installed: [] };
  }
  const packages: string[] = [];
  const unavailable: Tool[] = [];
  for (const tool of absent) {
    if (tool.packages) packages.push(...tool.packages);
    else if (tool.packageSearch) {
      const name = newestPackage(system.capture(['apt-cache', 'search', '--names-only', tool.packageSearch]));
      if (name) packages.push(name);
      else unavailable.push(tool);
    }
  }
  if (unavailable.length) {
    return { ok: false, message: missingLine(unavailable, NO_PACKAGE), found, installed: [] };
  }
  const install = [
    ...prefix,
    'env',
    'DEBIAN_FRONTEND=noninteractive',
    'apt-get',
    'install',
    '-y',
    '-qq',
    '--no-install-recommends',
    ...packages
  ];
  if (system.run(install) !== 0) {
    return {
      ok: false,
      message: missingLine(absent, `apt-get install ${packages.join(' ')} failed`),
      found,
      installed: []
    };
  }
  const still: Tool[] = [];
  for (const tool of absent) {
    const path = tool.find(env);
    if (path) record(tool, path);
    else still.push(tool);
  }
  if (still.length) {
    return {
      ok: false,
      message: missingLine(still, 'still not found after apt-get install'),
      found,
      installed: packages
    };
  }
  return { ok: true, found, installed: packages };
}
