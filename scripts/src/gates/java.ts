import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A Java runtime found on this machine. */
export interface JavaRuntime {
  executable: string;
  major: number;
}

/** Reads the major version from `java -version` output ("17.0.15", "25.0.3", "1.8.0_402"). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

function probe(executable: string): JavaRuntime | undefined {
  const result = spawnSync(executable, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const major = parseJavaMajor(`${result.stderr}${result.stdout}`);
  return major === undefined ? undefined : { executable, major };
}

/** Candidate java executables, most specific first: PROVISIO_JAVA, JAVA_HOME, PATH, then installed JDK folders. */
export function javaCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates: string[] = [];
  if (env.PROVISIO_JAVA) candidates.push(env.PROVISIO_JAVA);
  if (env.JAVA_HOME) candidates.push(join(env.JAVA_HOME, 'bin', 'java'));
  candidates.push('java');
  for (const base of ['/usr/lib/jvm', '/opt/java', '/opt', '/usr/local/lib/jvm']) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort().reverse()) {
      const executable = join(base, name, 'bin', 'java');
      if (existsSync(executable)) candidates.push(executable);
    }
  }
  return [...new Set(candidates)];
}

/**
 * Finds a Java runtime of at least `minimumMajor`, looking in PROVISIO_JAVA, JAVA_HOME, PATH and the usual JDK
 * folders, so no path is hard-coded. Throws with what it found when none is new enough.
 */
export function findJava(minimumMajor: number, env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  const seen: string[] = [];
  for (const candidate of javaCandidates(env)) {
    const runtime = probe(candidate);
    if (!runtime) continue;
    if (runtime.major >= minimumMajor) return runtime;
    seen.push(`${candidate} (Java ${runtime.major})`);
  }
  throw new Error(
    `No Java ${minimumMajor}+ runtime found (saw: ${seen.join(', ') || 'none'}). ` +
      `Install one (for example a Temurin JDK under /usr/lib/jvm) or set PROVISIO_JAVA to its java executable.`
  );
}
