/**
 * The preflight of `npm test` decides per tool: found, install (as root or with sudo -n), or stop with one line
 * naming the command to run. Nothing is installed here: the tools and the system are fakes that record commands.
 */
import {
  NO_PACKAGE,
  System,
  TOOLS,
  Tool,
  decide,
  missingLine,
  newestPackage,
  preflight,
  privilege,
  toolsFor
} from '../src/gates/toolchain';

function fakeTool(id: string, overrides: Partial<Tool> = {}): Tool & { present: boolean } {
  const tool: Tool & { present: boolean } = {
    id,
    label: id,
    packages: [id],
    present: false,
    find: () => (tool.present ? `/usr/bin/${id}` : undefined),
    ...overrides
  };
  return tool;
}

function fakeSystem(
  onInstall: (packages: string[]) => void = () => undefined,
  aptCache = ''
): System & {
  commands: string[][];
  lines: string[];
} {
  const commands: string[][] = [];
  const lines: string[] = [];
  return {
    commands,
    lines,
    run: (command) => {
      commands.push(command);
      const at = command.indexOf('install');
      if (at >= 0) onInstall(command.slice(at + 1).filter((word) => !word.startsWith('-')));
      return 0;
    },
    capture: (command) => {
      commands.push(command);
      return aptCache;
    },
    log: (line) => lines.push(line)
  };
}

describe('preflight decision', () => {
  const tool = fakeTool('jq');

  it('uses a tool that is found, whatever the privilege', () => {
    expect(decide(tool, '/usr/bin/jq', 'none')).toEqual({ kind: 'found', tool, path: '/usr/bin/jq' });
    expect(decide(tool, '/usr/bin/jq', 'root').kind).toBe('found');
  });

  it('installs a missing tool as root directly, and with sudo -n otherwise', () => {
    expect(decide(tool, undefined, 'root')).toEqual({ kind: 'install', tool, asRoot: [] });
    expect(decide(tool, undefined, 'sudo')).toEqual({ kind: 'install', tool, asRoot: ['sudo', '-n'] });
  });

  it('reports a missing tool it cannot install', () => {
    expect(decide(tool, undefined, 'none')).toEqual({ kind: 'missing', tool });
  });

  it('knows root, passwordless sudo, neither, and the opt-out', () => {
    expect(privilege({}, 0, () => false)).toBe('root');
    expect(privilege({}, 1000, () => true)).toBe('sudo');
    expect(privilege({}, 1000, () => false)).toBe('none');
    expect(privilege({ PROVISIO_NO_INSTALL: '1' }, 0, () => true)).toBe('none');
  });

  it('maps gates to the tools they need', () => {
    expect(toolsFor(['typecheck', 'eslint']).map((t) => t.id)).toEqual([]);
    expect(toolsFor(['apex-semantic']).map((t) => t.id)).toEqual(['java21']);
    expect(toolsFor(['jest-scripts', 'apex-semantic']).map((t) => t.id)).toEqual([
      'java21',
      'chromium',
      'sqlite3',
      'jq'
    ]);
  });

  it('picks the newest openjdk package apt-cache lists', () => {
    const output =
      'openjdk-21-jre-headless - OpenJDK Java runtime\nopenjdk-25-jre-headless - OpenJDK Java runtime\n' +
      'openjdk-23-jre-headless - OpenJDK Java runtime\n';
    expect(newestPackage(output)).toBe('openjdk-25-jre-headless');
    expect(newestPackage('')).toBeUndefined();
  });
});

describe('preflight run', () => {
  it('does nothing when every tool is found, and sets the tool path for the gates', () => {
    const tool = fakeTool('chromium', { envVar: 'PROVISIO_CHROMIUM' });
    tool.present = true;
    const env: NodeJS.ProcessEnv = {};
    const system = fakeSystem();
    const result = preflight(['jest-scripts'], { env, privilege: 'none', system, tools: [tool] });
    expect(result).toEqual({ ok: true, found: { chromium: '/usr/bin/chromium' }, installed: [] });
    expect(env.PROVISIO_CHROMIUM).toBe('/usr/bin/chromium');
    expect(system.commands).toEqual([]);
  });

  it('as root: apt-get update, one apt-get install of every missing package, then finds them', () => {
    const sqlite = fakeTool('sqlite3');
    const jq = fakeTool('jq');
    const tools = [sqlite, jq];
    const system = fakeSystem((packages) => {
      for (const tool of tools) if (packages.includes(tool.id)) tool.present = true;
    });
    const result = preflight(['jest-scripts'], { env: {}, privilege: 'root', system, tools });
    expect(result.ok).toBe(true);
    expect(result.installed).toEqual(['sqlite3', 'jq']);
    expect(system.commands).toEqual([
      ['apt-get', 'update', '-qq'],
      [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '-qq',
        '--no-install-recommends',
        'sqlite3',
        'jq'
      ]
    ]);
  });

  it('with sudo: the same commands behind sudo -n; the Java package is the newest apt-cache finds', () => {
    const java = fakeTool('java21', { packages: undefined, packageSearch: '^openjdk-2[1-9]-jre-headless$' });
    const system = fakeSystem((packages) => {
      if (packages.includes('openjdk-25-jre-headless')) java.present = true;
    }, 'openjdk-21-jre-headless - x\nopenjdk-25-jre-headless - y\n');
    const result = preflight(['apex-semantic'], { env: {}, privilege: 'sudo', system, tools: [java] });
    expect(result.ok).toBe(true);
    expect(system.commands[0]).toEqual(['sudo', '-n', 'apt-get', 'update', '-qq']);
    expect(system.commands[1]).toEqual(['apt-cache', 'search', '--names-only', '^openjdk-2[1-9]-jre-headless$']);
    expect(system.commands[2].slice(0, 3)).toEqual(['sudo', '-n', 'env']);
    expect(system.commands[2].at(-1)).toBe('openjdk-25-jre-headless');
  });

  it('without root or sudo: runs nothing and returns one line naming the command', () => {
    const tools = [fakeTool('chromium', { packages: ['chromium', 'fonts-liberation'] }), fakeTool('jq')];
    const system = fakeSystem();
    const result = preflight(['jest-scripts'], { env: {}, privilege: 'none', system, tools });
    expect(result.ok).toBe(false);
    expect(system.commands).toEqual([]);
    expect(result.message).not.toContain('\n');
    expect(result.message).toMatch(/^preflight: chromium, jq not found \(/);
    expect(result.message).toContain(
      'run: sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium fonts-liberation jq'
    );
  });

  it('stops with one line when no Debian package provides Java 21+', () => {
    const java = fakeTool('java21', {
      label: 'Java 21+',
      packages: undefined,
      packageSearch: TOOLS.java21.packageSearch,
      otherwise: TOOLS.java21.otherwise
    });
    const system = fakeSystem(() => undefined, '');
    const result = preflight(['apex-semantic'], { env: {}, privilege: 'root', system, tools: [java] });
    expect(result.ok).toBe(false);
    expect(result.message).toBe(missingLine([java], NO_PACKAGE));
    expect(result.message).toContain('set PROVISIO_JAVA');
    // apt-get update and the search ran; no install was attempted.
    expect(system.commands.map((c) => c.join(' '))).toEqual([
      'apt-get update -qq',
      `apt-cache search --names-only ${TOOLS.java21.packageSearch ?? ''}`
    ]);
  });

  it('stops when the install did not make the tool appear', () => {
    const jq = fakeTool('jq');
    const result = preflight(['jest-scripts'], { env: {}, privilege: 'root', system: fakeSystem(), tools: [jq] });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('still not found after apt-get install');
  });
});
