import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, sep } from 'node:path';
import type { Plugin, RollupCache, RollupLog } from 'rollup';
import { TOOL_ROOT } from '../gates/common';

/** Where the admin console's LWC bundles live (DX layout: `lwc/<name>/<name>.js`, namespace `c`). */
export const CONSOLE_LWC_DIR = join(TOOL_ROOT, 'force-app', 'main', 'admin', 'lwc');
/** The browser harness: entry module, index.html and the stand-ins for platform modules. */
export const HARNESS_DIR = join(TOOL_ROOT, 'scripts', 'browser', 'console');
const SLDS_ASSETS = join(TOOL_ROOT, 'node_modules', '@salesforce-ux', 'design-system', 'assets');
const CACHE_ROOT = join(TOOL_ROOT, '.tmp', 'console-browser');
/** Bump when the build settings change, so an old cached bundle is not reused. */
const BUILD_VERSION = '2';
const VERSIONED_PACKAGES = ['lwc', '@lwc/rollup-plugin', 'lightning-base-components', 'rollup'];

/** A built console: the folder holding index.html and app.js, and whether it came from the cache. */
export interface ConsoleBundle {
  dir: string;
  cached: boolean;
  seconds: number;
}

/** The console served over HTTP on 127.0.0.1. */
export interface ConsoleServer {
  url: string;
  close: () => Promise<void>;
}

/**
 * The console's LWC bundles: folders with `<name>.js` and `<name>.js-meta.xml` (a real bundle always has both; the
 * gates test plants a bare .js folder here for a moment, which must not join the build).
 */
function bundleNames(): string[] {
  return readdirSync(CONSOLE_LWC_DIR)
    .filter(
      (name) =>
        existsSync(join(CONSOLE_LWC_DIR, name, `${name}.js`)) &&
        existsSync(join(CONSOLE_LWC_DIR, name, `${name}.js-meta.xml`))
    )
    .sort();
}

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        if (name !== '__tests__') walk(full);
      } else {
        files.push(full);
      }
    }
  };
  for (const name of bundleNames()) walk(join(CONSOLE_LWC_DIR, name));
  walk(HARNESS_DIR);
  return files;
}

/** Hash of everything the bundle is made from: component and harness sources, tool versions, build settings. */
export function bundleKey(): string {
  const hash = createHash('sha256').update(`build ${BUILD_VERSION}\n`);
  for (const pkg of VERSIONED_PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(TOOL_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    };
    hash.update(`${pkg}@${manifest.version}\n`);
  }
  for (const file of sourceFiles()) {
    hash.update(`${relative(TOOL_ROOT, file)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Module records mapping `c/<name>` to each bundle of the console. */
function componentModules(): { name: string; path: string }[] {
  return bundleNames().map((name) => ({ name: `c/${name}`, path: join(CONSOLE_LWC_DIR, name, `${name}.js`) }));
}

const COMBOBOX_INTERNALS_GATE = '@salesforce/gate/bc.260.enableComboboxElementInternals';
const CLOSED_GATE = '\0closed-gate';

/**
 * Resolves the platform modules the browser lacks: every `@salesforce/apex/Class.method` becomes a fixture-backed
 * stand-in, `@salesforce/apex` gives `refreshApex`, `lightning/empApi` a silent stand-in.
 */
function platformStandIns(): Plugin {
  const apexFixtures = join(HARNESS_DIR, 'apexFixtures.js');
  const prefix = '\0apex-method:';
  return {
    name: 'provisio-platform-stand-ins',
    resolveId(source) {
      if (source.startsWith('@salesforce/apex/')) return prefix + source.slice('@salesforce/apex/'.length);
      if (source === '@salesforce/apex') return apexFixtures;
      if (source === 'lightning/empApi') return join(HARNESS_DIR, 'empApi.js');
      // lightning-base-components open every feature gate; this one makes lightning-combobox call
      // attachInternals(), which synthetic shadow (required for global SLDS styles) does not support.
      if (source === COMBOBOX_INTERNALS_GATE) return CLOSED_GATE;
      return null;
    },
    load(id) {
      if (id === CLOSED_GATE) return 'export default { isOpen: () => false };\n';
      if (!id.startsWith(prefix)) return null;
      const method = id.slice(prefix.length);
      if (!/^\w+\.\w+$/.test(method)) throw new Error(`Unexpected Apex import: @salesforce/apex/${method}`);
      return `import { apexMethod } from ${JSON.stringify(apexFixtures)};\nexport default apexMethod('${method}');\n`;
    }
  };
}

/**
 * Rollup's module cache, kept on disk between builds: after a change to the console only its own modules are
 * compiled again, not the hundreds of lightning-base-components modules (a cold build takes 20 to 60 seconds).
 * Rollup re-transforms any module whose source changed, so a stale entry is never used.
 */
const MODULE_CACHE = join(CACHE_ROOT, `rollup-cache-${BUILD_VERSION}.json`);

function readModuleCache(): RollupCache | undefined {
  try {
    return existsSync(MODULE_CACHE) ? (JSON.parse(readFileSync(MODULE_CACHE, 'utf8')) as RollupCache) : undefined;
  } catch {
    return undefined;
  }
}

function writeModuleCache(cache: RollupCache | undefined): void {
  if (!cache) return;
  // The syntax trees are most of the cache's size and cheap to rebuild: rollup parses again when one is missing.
  const slim = {
    ...cache,
    modules: cache.modules.map((module) => ({ ...module, ast: null }))
  } as unknown as RollupCache;
  mkdirSync(CACHE_ROOT, { recursive: true });
  const staging = `${MODULE_CACHE}.${process.pid}`;
  writeFileSync(staging, JSON.stringify(slim));
  renameSync(staging, MODULE_CACHE);
}

/** lightning-base-components' own templates raise hundreds of harmless warnings; ours are printed. */
function onWarn(warning: RollupLog): void {
  const where = `${warning.id ?? ''} ${warning.message}`;
  if (where.includes('lightning-base-components') || warning.code === 'CIRCULAR_DEPENDENCY') return;
  console.warn(`rollup: ${warning.message}`);
}

/**
 * Compiles the console with the LWC compiler and lightning-base-components into `.tmp/console-browser/<key>/`,
 * unless a bundle of the same sources is already there.
 */
export async function buildConsoleBundle(): Promise<ConsoleBundle> {
  const started = Date.now();
  const dir = join(CACHE_ROOT, bundleKey());
  if (existsSync(join(dir, 'app.js'))) {
    return { dir, cached: true, seconds: (Date.now() - started) / 1000 };
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- rollup plugins are loaded only when a build is needed */
  const { rollup } = require('rollup') as typeof import('rollup');
  const replace = require('@rollup/plugin-replace') as typeof import('@rollup/plugin-replace').default;
  const { nodeResolve } = require('@rollup/plugin-node-resolve') as typeof import('@rollup/plugin-node-resolve');
  // The package's "main" is ESM; its CommonJS build sits next to it.
  const lwc = require(join(TOOL_ROOT, 'node_modules', '@lwc', 'rollup-plugin', 'dist', 'index.cjs')) as {
    default: (options: Record<string, unknown>) => Plugin;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const bundle = await rollup({
    cache: readModuleCache(),
    input: join(HARNESS_DIR, 'main.js'),
    onwarn: onWarn,
    plugins: [
      platformStandIns(),
      replace({
        preventAssignment: true,
        values: { 'process.env.NODE_ENV': JSON.stringify('production'), 'import.meta.env.SSR': 'false' }
      }),
      nodeResolve(),
      lwc.default({
        rootDir: HARNESS_DIR,
        enableDynamicComponents: true,
        modules: [...componentModules(), { npm: 'lightning-base-components' }]
      })
    ]
  });
  writeModuleCache(bundle.cache);
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await bundle.write({ file: join(staging, 'app.js'), format: 'esm', inlineDynamicImports: true });
  } finally {
    await bundle.close();
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  pruneOldBundles(dir);
  return { dir, cached: false, seconds: (Date.now() - started) / 1000 };
}

/** Keeps only the newest bundle (and the module cache) in the cache folder. */
function pruneOldBundles(keep: string): void {
  for (const name of readdirSync(CACHE_ROOT)) {
    const full = join(CACHE_ROOT, name);
    if (full !== keep && /^[0-9a-f]{16}$/.test(name)) rmSync(full, { recursive: true, force: true });
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.png': 'image/png'
};

/** Maps a request path to a file: `/` → index.html, `/app.js` → the bundle, `/assets/*` → SLDS; null otherwise. */
export function resolveRequest(bundleDir: string, urlPath: string): string | null {
  const path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  if (path === '/' || path === '/index.html') return join(HARNESS_DIR, 'index.html');
  if (path === '/app.js') return join(bundleDir, 'app.js');
  if (path.startsWith('/assets/')) {
    const file = normalize(join(SLDS_ASSETS, path.slice('/assets/'.length)));
    return file.startsWith(SLDS_ASSETS + sep) ? file : null;
  }
  return null;
}

/** Serves a built console on 127.0.0.1 on an ephemeral port. */
export function serveConsole(bundleDir: string): Promise<ConsoleServer> {
  const server: Server = createServer((request, response) => {
    const file = resolveRequest(bundleDir, request.url ?? '/');
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://127.0.0.1:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          })
      });
    });
  });
}

/**
 * `node scripts/dist/browser/consoleBundle.js`: builds (or reuses) the bundle and prints it as JSON. Tests build
 * through this process because the LWC compiler ships ES modules that jest's module loader cannot require.
 */
if (require.main === module) {
  buildConsoleBundle().then(
    (bundle) => console.log(JSON.stringify(bundle)),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    }
  );
}
