import { Command, Option } from 'commander';
import { CommandContext, CommandOutcome, runHandler, throwIfAborted, withJson, withOrgFlags } from '../cli/command';
import { ExitCode, usageError } from '../cli/errors';
import { parseDelimiter } from './csv';
import { SALESFORCE, TARGET_PROFILES, withOverrides } from './profiles';
import { ReviewOptions, ReviewSummary, parseCompare, parsePrices, runReview } from './review';

export interface ReviewFlags {
  json?: boolean;
  salesforce?: string;
  targetOrg?: string;
  apiVersion?: string;
  sfKey?: string;
  sfMap?: string;
  sfWhere?: string;
  sfApi: string;
  target?: string;
  scimUrl?: string;
  scimTokenEnv: string;
  scimPageSize: string;
  targetProfile: string;
  targetFormat?: string;
  targetKey?: string;
  targetMap?: string;
  delimiter?: string;
  compare?: string;
  caseSensitive?: boolean;
  stripSuffix?: string[];
  inactiveDays: string;
  asOf?: string;
  licencePrice?: string;
  currency: string;
  findings?: string;
  html?: string;
  threads: boolean;
  sample: string;
}

function positiveInt(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw usageError(`${flag} must be a whole number from 0 to ${max}.`);
  return n;
}

/** Turns flags into review options; live sources are loaded lazily so file reviews never load the org libraries. */
export async function reviewOptions(flags: ReviewFlags, context: CommandContext): Promise<ReviewOptions> {
  const delimiter = flags.delimiter === undefined ? undefined : parseDelimiter(flags.delimiter);
  if (flags.delimiter !== undefined && delimiter === undefined) {
    throw usageError(
      `--delimiter ${flags.delimiter}: use COMMA, TAB, SEMICOLON, PIPE, CARET, BACKQUOTE or one character.`
    );
  }
  const profile = TARGET_PROFILES[flags.targetProfile];
  if (!profile) {
    throw usageError(`--target-profile ${flags.targetProfile}: use ${Object.keys(TARGET_PROFILES).join(', ')}.`);
  }
  const format = flags.targetFormat;
  if (format !== undefined && !['csv', 'jsonl', 'json'].includes(format)) {
    throw usageError(`--target-format ${format}: use csv, jsonl or json.`);
  }
  const sfProfile = withOverrides(SALESFORCE, flags.sfMap, flags.sfKey);
  const targetProfile = withOverrides(profile, flags.targetMap, flags.targetKey);
  const asOf = flags.asOf === undefined ? Date.now() / 1000 : Date.parse(flags.asOf) / 1000;
  if (!Number.isFinite(asOf))
    throw usageError(`--as-of ${flags.asOf}: not a date (use ISO 8601, e.g. 2026-11-24T00:00:00Z).`);
  if (!flags.salesforce && !flags.targetOrg) {
    throw usageError('Give the Salesforce side: --salesforce <users.csv> or --target-org <alias>.', [
      'Export users with Bulk API 2.0 or Data Loader (Id, Username, Email, FirstName, LastName, IsActive, LastLoginDate...).'
    ]);
  }
  if (flags.salesforce && flags.targetOrg) throw usageError('Use --salesforce or --target-org, not both.');
  if (!flags.target && !flags.scimUrl) {
    throw usageError(
      'Give the target side: --target <file> (SCIM JSON lines, JSON, Entra or Okta export) or --scim-url <base URL>.'
    );
  }
  if (flags.target && flags.scimUrl) throw usageError('Use --target or --scim-url, not both.');

  const options: ReviewOptions = {
    salesforce: {
      file: flags.salesforce,
      profile: sfProfile,
      description: flags.salesforce ?? `org ${flags.targetOrg ?? ''} (Bulk API 2.0)`,
      delimiter
    },
    target: {
      file: flags.target,
      profile: targetProfile,
      description: flags.target ?? flags.scimUrl ?? '',
      format: format as ReviewOptions['target']['format'],
      delimiter
    },
    keyOptions: { caseInsensitive: !flags.caseSensitive, stripSuffixes: flags.stripSuffix ?? [] },
    compare: parseCompare(flags.compare),
    inactiveDays: positiveInt(flags.inactiveDays, '--inactive-days', 36500),
    asOf,
    prices: parsePrices(flags.licencePrice, flags.currency),
    findingsFile: flags.findings,
    htmlFile: flags.html,
    threads: flags.threads,
    sampleSize: positiveInt(flags.sample, '--sample', 100000),
    progress: (text) => context.out.spin(text)
  };
  if (flags.targetOrg || flags.scimUrl) {
    const sources = await import('./sources');
    if (flags.targetOrg) {
      options.salesforce.load = sources.orgUsersLoader({
        targetOrg: flags.targetOrg,
        apiVersion: flags.apiVersion,
        where: flags.sfWhere,
        api: flags.sfApi === 'rest' ? 'rest' : 'bulk',
        profile: sfProfile,
        signal: context.signal,
        progress: (text) => context.out.spin(text)
      });
    }
    if (flags.scimUrl) {
      const token = await sources.scimToken(flags.scimTokenEnv, context);
      options.target.description = `${flags.scimUrl} (SCIM /Users)`;
      options.target.load = sources.scimUsersLoader({
        baseUrl: flags.scimUrl,
        token,
        pageSize: positiveInt(flags.scimPageSize, '--scim-page-size', 1000) || 100,
        profile: targetProfile,
        signal: context.signal,
        progress: (text) => context.out.spin(text)
      });
    }
  }
  return options;
}

/** Prints the human summary. */
function printSummary(summary: ReviewSummary, context: CommandContext): void {
  const out = context.out;
  const n = (v: number): string => v.toLocaleString('en-US');
  out.log(out.style('bold', `Access review as of ${summary.asOf}`));
  out.table(
    [
      { side: 'Salesforce', ...summary.salesforce },
      { side: 'target', ...summary.target }
    ].map((s) => ({
      side: s.side,
      source: s.source,
      read: n(s.rowsRead),
      accepted: n(s.accepted),
      rejected: n(s.rejected),
      duplicates: n(s.duplicates)
    })),
    ['side', 'source', 'read', 'accepted', 'rejected', 'duplicates']
  );
  out.log();
  out.table(
    Object.entries(summary.classes).map(([cls, count]) => ({ class: cls, accounts: n(count) })),
    ['class', 'accounts']
  );
  out.log();
  const drift = Object.entries(summary.driftByAttribute)
    .filter(([, count]) => count > 0)
    .map(([attribute, count]) => `${attribute} ${n(count)}`)
    .join(', ');
  if (drift) out.log(`Drift by attribute: ${drift}`);
  const waste = summary.licenceWaste;
  const cost =
    waste.monthlyCost !== undefined
      ? ` (${n(waste.monthlyCost)} ${waste.currency ?? ''} a month, ${n(waste.annualCost ?? 0)} a year)`
      : '';
  out.log(
    `Licence waste: ${n(waste.count)} of ${n(waste.activeUsers)} active users without login for ${summary.inactiveDays}+ days${cost}`
  );
  for (const [name, side] of [
    ['Salesforce', summary.salesforce],
    ['target', summary.target]
  ] as const) {
    for (const row of side.rejectedRows.slice(0, 5)) out.warn(`${name} line ${row.line} rejected: ${row.reason}`);
    if (side.rejected > 5) out.warn(`${name}: ${n(side.rejected - 5)} more rejected rows (all in the findings file).`);
    if (side.recoded > 0) {
      out.warn(
        `${name}: ${n(side.recoded)} rows were not UTF-8 and were read as Windows-1252 (lines ${side.recodedLines.slice(0, 5).join(', ')}${side.recoded > 5 ? ', ...' : ''}).`
      );
    }
    for (const row of side.ignoredValueRows.slice(0, 3)) out.warn(`${name} line ${row.line}: ${row.reason}`);
  }
  for (const warning of summary.warnings) out.warn(warning);
  if (summary.findingsFile) out.log(`Findings: ${summary.findingsFile} (${n(summary.findingsWritten ?? 0)})`);
  if (summary.htmlFile) out.log(`Report: ${summary.htmlFile}`);
  out.log(
    summary.clean
      ? out.style('green', 'Clean.')
      : out.style('red', `${n(summary.totalFindings)} findings.`) +
          ` (${summary.seconds.toFixed(2)} s, peak ${summary.peakRssMb} MB)`
  );
}

export async function reviewHandler(flags: ReviewFlags, context: CommandContext): Promise<CommandOutcome> {
  const options = await reviewOptions(flags, context);
  throwIfAborted(context.signal);
  const summary = await runReview(options);
  context.out.stopSpin();
  printSummary(summary, context);
  return { result: summary, exitCode: summary.clean ? ExitCode.OK : ExitCode.FINDINGS };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers `provisio review`. */
export function register(program: Command): void {
  const command = new Command('review')
    .description(
      'Access review: join Salesforce users with a target (SCIM app, Entra ID or Okta export) on a normalised key ' +
        'and find orphaned, missing, inactive-in-target, drifted and duplicate accounts, and licence waste. ' +
        'Exit code 1 when anything is found.'
    )
    .option('--salesforce <file>', 'Salesforce users as CSV (Bulk API 2.0 result, Data Loader or report export).')
    .option('--sf-key <column>', 'Salesforce column of the join key.', undefined)
    .option('--sf-map <mappings>', 'Salesforce columns for fields, e.g. "email=Email,department=Division__c".')
    .option('--sf-where <condition>', 'With --target-org: a SOQL condition on User, e.g. "UserType = \'Standard\'".')
    .addOption(
      new Option('--sf-api <api>', 'With --target-org: read users with Bulk API 2.0 or the REST query resource.')
        .choices(['bulk', 'rest'])
        .default('bulk')
    )
    .option('--target <file>', 'Target accounts: SCIM JSON lines or JSON, Entra ID or Okta export (CSV/JSON).')
    .option(
      '--scim-url <url>',
      'Live SCIM 2.0 service base URL (GET <url>/Users, paged). Token from --scim-token-env or stdin.'
    )
    .option('--scim-token-env <name>', 'Environment variable holding the SCIM bearer token.', 'PROVISIO_SCIM_TOKEN')
    .option('--scim-page-size <n>', 'SCIM page size (count).', '500')
    .addOption(
      new Option('--target-profile <name>', 'What the target input is.')
        .choices(Object.keys(TARGET_PROFILES))
        .default('scim')
    )
    .option('--target-format <format>', 'csv, jsonl or json (default: from the file name and contents).')
    .option(
      '--target-key <path>',
      "Target column or JSON path of the join key (default: the profile's, e.g. userName)."
    )
    .option('--target-map <mappings>', 'Target columns or JSON paths for fields, e.g. "department=profile.division".')
    .option('--delimiter <d>', 'CSV delimiter: COMMA, TAB, SEMICOLON, PIPE, CARET, BACKQUOTE (default: sniffed).')
    .option(
      '--compare <attributes>',
      'Attributes compared for drift, or "none" (default email,givenName,familyName,title,department).'
    )
    .option('--case-sensitive', 'Compare keys with case (default: ignore case).', false)
    .option(
      '--strip-suffix <suffix>',
      'Remove this suffix from keys that end with it, e.g. a sandbox ".uat" (repeatable).',
      collect
    )
    .option('--inactive-days <n>', 'Licence waste: no login for more than this many days.', '90')
    .option('--as-of <date>', 'Reference time of the review (default: now).')
    .option(
      '--licence-price <prices>',
      'Price per licence per month: "150" or "Salesforce=165,Salesforce Platform=25,*=0".'
    )
    .option('--currency <code>', 'Currency of --licence-price.', 'USD')
    .option('--findings <file>', 'Write every finding to this .csv, .json or .jsonl file.')
    .option('--html <file>', 'Write the HTML report (charts inline, no external assets) to this file.')
    .option('--no-threads', 'Read both files in this thread instead of two worker threads.')
    .option('--sample <n>', 'Findings of each class included in --json output.', '20')
    .action(async (flags: ReviewFlags) => {
      process.exitCode = await runHandler(reviewHandler, flags);
    });
  program.addCommand(withOrgFlags(withJson(command)));
}
