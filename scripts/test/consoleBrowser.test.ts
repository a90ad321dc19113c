/**
 * Browser check of the admin console: the real LWC bundles compiled with the LWC compiler and
 * lightning-base-components, Apex answered from fixture data (scripts/browser/console), served on 127.0.0.1 and
 * clicked through in headless Chromium. Asserts on the DOM and saves screenshots under .tmp/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { resolveRequest, serveConsole, type ConsoleBundle, type ConsoleServer } from '../src/browser/consoleBundle';
import { TOOL_ROOT } from '../src/gates/common';

const CHROMIUM = process.env.PROVISIO_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(TOOL_ROOT, '.tmp', 'screenshots');
const PROFILE = join(TOOL_ROOT, '.tmp', 'chromium-profile', String(process.pid));
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage'
];

/** The few DOM members the page functions use (the tooling compiles without the DOM lib). */
interface DomElement {
  textContent: string | null;
  scrollTop: number;
  scrollHeight: number;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
}
type EventConstructor = new (type: string) => unknown;

interface ApexCall {
  name: string;
  params: Record<string, unknown>;
}

let server: ConsoleServer;
let browser: Browser;
let page: Page;
let pageErrors: string[];

async function openConsole(query = ''): Promise<void> {
  page = await browser.newPage();
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error instanceof Error ? error.message : String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.setDefaultTimeout(15000);
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${server.url}${query}`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('pierce/h1');
}

async function text(handle: ElementHandle): Promise<string> {
  return (await handle.evaluate((element) => (element as unknown as DomElement).textContent ?? '')).trim();
}

/** Datatable cells keep their value in `data-cell-value` (their text sits in nested synthetic shadow trees). */
async function cellValues(label: string, within = 'body'): Promise<string[]> {
  const scope = await page.waitForSelector(`pierce/${within}`);
  const cells = await scope!.$$(`pierce/[data-label="${label}"][data-cell-value]`);
  return Promise.all(
    cells.map((cell) =>
      cell.evaluate((element) => (element as unknown as DomElement).getAttribute('data-cell-value') ?? '')
    )
  );
}

async function apexCalls(name: string): Promise<ApexCall[]> {
  const calls = (await page.evaluate('window.__apexCalls')) as ApexCall[];
  return calls.filter((call) => call.name === name);
}

async function openTab(label: string): Promise<void> {
  await page.locator(`::-p-aria([name="${label}"][role="tab"])`).click();
}

async function waitForText(selector: string, expected: RegExp): Promise<string> {
  const handle = await page.waitForSelector(`pierce/${selector}`);
  if (!handle) throw new Error(`${selector} not found`);
  await page.waitForFunction(
    (element, source: string) => new RegExp(source).test((element as unknown as DomElement).textContent ?? ''),
    {},
    handle,
    expected.source
  );
  return text(handle);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Builds in a child process from the compiled tooling (`npm run build`, which `npm test` runs first): the LWC
 * compiler is published as ES modules that jest's module loader cannot load.
 */
function buildBundle(): ConsoleBundle {
  const script = join(TOOL_ROOT, 'scripts', 'dist', 'browser', 'consoleBundle.js');
  const source = join(TOOL_ROOT, 'scripts', 'src', 'browser', 'consoleBundle.ts');
  if (!existsSync(script) || statSync(script).mtimeMs < statSync(source).mtimeMs) {
    throw new Error(`${script} is missing or older than its source: run npm run build first.`);
  }
  const run = spawnSync(process.execPath, [script], { cwd: TOOL_ROOT, encoding: 'utf8', timeout: 200000 });
  if (run.status !== 0) {
    throw new Error(`Building the console failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  }
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as ConsoleBundle;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/setup-system.sh or set PROVISIO_CHROMIUM.`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const bundle = buildBundle();
  console.log(`console bundle ${bundle.cached ? 'reused from cache' : 'built'} in ${bundle.seconds.toFixed(1)} s`);
  server = await serveConsole(bundle.dir);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    userDataDir: PROFILE
  });
}, 240000);

afterEach(async () => {
  await page?.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(PROFILE, { recursive: true, force: true });
});

describe('admin console in headless Chromium', () => {
  it('serves only the page, the bundle and the SLDS assets', () => {
    expect(resolveRequest('/bundle', '/')).toMatch(/index\.html$/);
    expect(resolveRequest('/bundle', '/app.js?v=1')).toBe(join('/bundle', 'app.js'));
    expect(resolveRequest('/bundle', '/assets/styles/salesforce-lightning-design-system.min.css')).toMatch(
      /design-system.assets.styles/
    );
    expect(resolveRequest('/bundle', '/assets/../../../package.json')).toBeNull();
    expect(resolveRequest('/bundle', '/etc/passwd')).toBeNull();
  });

  it('renders the targets with driver, stage and health', async () => {
    await openConsole();
    expect(await text((await page.$('pierce/h1'))!)).toBe('User Provisioning');
    expect(await cellValues('Target')).toEqual(['Slack', 'Zoom']);
    expect(await cellValues('Stage')).toEqual(['Pilot', 'Dry run']);
    expect(await cellValues('Health')).toEqual(['Healthy', 'Degraded: 3 failures in a row']);
    await screenshot('console-targets');
    expect(pageErrors).toEqual([]);
  });

  it("opens a user's preview and provisions the user now", async () => {
    await openConsole();
    await openTab('Preview & provision');
    await page.locator('::-p-aria([name="User to preview"][role="searchbox"])').fill('ada');
    await page.locator('pierce/button[title="Preview: Ada Lovelace"]').click();

    const payload = await waitForText('pre.payload', /userName/);
    expect(JSON.parse(payload)).toMatchObject({ userName: 'ada@example.com', name: { familyName: 'Lovelace' } });
    expect(await waitForText('p.operation', /update/)).toBe('Would update account U-001AAA');
    expect((await apexCalls('ConsolePreviewController.previewUser'))[0].params).toEqual({
      targetName: 'Slack',
      userId: '005000000000001AAA'
    });

    await page.locator('::-p-aria([name="Provision this user now"][role="button"])').click();
    expect(await waitForText('.trace-state', /\w/)).toBe('Succeeded');
    const steps = await Promise.all((await page.$$('pierce/li.step')).map(text));
    expect(steps).toHaveLength(4);
    expect(steps[1]).toContain('PATCH /Users/U-001AAA');
    await screenshot('console-preview');
    expect(pageErrors).toEqual([]);
  });

  it('filters the provisioning log on the server and loads more while scrolling', async () => {
    await openConsole();
    await openTab('Provisioning log');
    expect(await waitForText('p.summary', /scroll for more/)).toBe('50 events shown, scroll for more');
    const [first] = await apexCalls('ConsoleLogController.getLogPage');
    expect(first.params).toMatchObject({ filter: { targetName: 'Slack' }, cursor: null });

    const scroller = await page.$('pierce/.log-table .slds-scrollable_y');
    await scroller!.evaluate((handle) => {
      const element = handle as unknown as DomElement;
      const ScrollEvent = (globalThis as unknown as { Event: EventConstructor }).Event;
      element.scrollTop = element.scrollHeight;
      element.dispatchEvent(new ScrollEvent('scroll'));
    });
    expect(await waitForText('p.summary', /^100 /)).toBe('100 events shown, scroll for more');
    const [, second] = await apexCalls('ConsoleLogController.getLogPage');
    expect(second.params.cursor).toMatch(/\|a01/);

    await page.locator('::-p-aria([name="User"][role="searchbox"])').fill('alan');
    await page.locator('::-p-aria([name="Search"][role="button"])').click();
    const summary = await waitForText('p.summary', /^\d+ events shown$/);
    const users = await cellValues('User', '.log-table');
    expect(users.length).toBeGreaterThan(0);
    expect(summary).toBe(`${users.length} events shown`);
    expect(new Set(users)).toEqual(new Set(['Alan Turing']));
    expect(new Set(await cellValues('Target', '.log-table'))).toEqual(new Set(['Slack']));
    const last = (await apexCalls('ConsoleLogController.getLogPage')).pop()!;
    expect(last.params).toMatchObject({ filter: { userQuery: 'alan', targetName: 'Slack' }, cursor: null });
    await screenshot('console-log');
    expect(pageErrors).toEqual([]);
  });

  it('adds a pilot member found by search', async () => {
    await openConsole();
    await openTab('Pilot group');
    await page.waitForSelector('pierce/ul.checklist');
    expect(await cellValues('Name')).toEqual(['Ada Lovelace', 'Alan Turing']);

    await page.locator('::-p-aria([name="Add a pilot member"][role="searchbox"])').fill('grace');
    await page.locator('pierce/button[title="Add to pilot: Grace Hopper"]').click();
    expect(await waitForText('div.status', /added/)).toBe('Grace Hopper was added to the pilot group.');
    await page.waitForSelector('pierce/[data-label="Name"][data-cell-value="Grace Hopper"]');
    expect(await cellValues('Name')).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
    expect((await apexCalls('ConsolePilotController.addPilotMember'))[0].params).toEqual({
      targetName: 'Slack',
      userId: '005000000000003AAA'
    });
    const promote = await page.$('::-p-aria([name="Promote to live"][role="button"])');
    expect(await promote!.evaluate((button) => (button as unknown as { disabled: boolean }).disabled)).toBe(true);
    await screenshot('console-pilot');
    expect(pageErrors).toEqual([]);
  });

  it('validates a mapping rule as the admin types and blocks the save', async () => {
    await openConsole();
    await openTab('Mapping');
    await page.waitForSelector('pierce/table.rules');
    await page.locator('::-p-aria([name="Expression, rule 1"])').fill('Lowr(Username)');
    expect(await waitForText('p.issue', /Lowr/)).toBe("Unknown function 'Lowr' (at character 1)");
    expect(await waitForText('p.issue-summary', /issue/)).toBe('1 issue to fix before saving.');
    const save = await page.$('::-p-aria([name="Save and deploy"][role="button"])');
    expect(await save!.evaluate((button) => (button as unknown as { disabled: boolean }).disabled)).toBe(true);
    const [validation] = (await apexCalls('ConsoleMappingController.validateRule')).slice(-1);
    expect(validation.params).toEqual({ scimPath: 'userName', expression: 'Lowr(Username)' });
    await screenshot('console-mapping');
    expect(pageErrors).toEqual([]);
  });

  it('shows the health of the selected target', async () => {
    await openConsole();
    await openTab('Health');
    expect(await waitForText('dd.failure-rate', /%/)).toBe('2.5% (6 of 240 in 24 h)');
    expect(await waitForText('span.guard', /\w/)).toBe('Armed');
    await page.locator('::-p-aria([name="Test connection"][role="button"])').click();
    expect(await waitForText('div.connection', /Connected/)).toBe('Connected: HTTP 200 in 85 ms.');
    await screenshot('console-health');
    expect(pageErrors).toEqual([]);
  });

  it('shows a clear no-access state to a user without the permission', async () => {
    await openConsole('?access=none');
    expect(await waitForText('.no-access', /access/)).toContain("You don't have access to User Provisioning");
    expect(await page.$$('pierce/lightning-tab')).toHaveLength(0);
    await screenshot('console-no-access');
    expect(pageErrors).toEqual([]);
  });
});
