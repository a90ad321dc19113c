import { readFileSync } from 'node:fs';
import { CommandContext, throwIfAborted } from '../cli/command';
import { usageError } from '../cli/errors';
import { orgCall, OrgTarget } from '../org/target';
import { query, soqlString } from './facts';

export interface ActivateOptions {
  usernames: string[];
  file?: string;
  createdSince?: string;
  includeLoggedIn: boolean;
  dryRun: boolean;
}

export interface ActivateRow {
  username: string;
  id?: string;
  status: 'sent' | 'would-send' | 'skipped' | 'failed';
  detail: string;
}

export interface ActivateResult {
  sent: number;
  skipped: number;
  failed: number;
  users: ActivateRow[];
}

const BATCH = 25;

/** Usernames or ids from a CSV file with a header row naming a `Username` or `Id` column. */
export function readUserList(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw usageError(`${path} is empty.`);
  const split = (line: string): string[] => line.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const header = split(lines[0]).map((h) => h.toLowerCase());
  const column = header.indexOf('username') >= 0 ? header.indexOf('username') : header.indexOf('id');
  if (column < 0) throw usageError(`${path} needs a header row with a Username or Id column.`);
  return lines
    .slice(1)
    .map((l) => split(l)[column])
    .filter((v) => v !== undefined && v !== '');
}

/**
 * `users activate`: for users an identity provider has just created, asks Salesforce to reset their password and
 * email them (`System.resetPassword(userId, true)` through the Tooling API's executeAnonymous). The generated
 * password stays inside Salesforce: nothing returns it to this tool.
 */
export async function activateUsers(
  t: OrgTarget,
  options: ActivateOptions,
  ctx: CommandContext
): Promise<ActivateResult> {
  const wanted = [...options.usernames, ...(options.file ? readUserList(options.file) : [])];
  if (wanted.length === 0 && !options.createdSince) {
    throw usageError('Say which users: --usernames, --file or --created-since.', [
      'provisio users activate --created-since 2026-11-24T00:00:00Z'
    ]);
  }
  if (options.createdSince && Number.isNaN(Date.parse(options.createdSince))) {
    throw usageError(`--created-since is not a date-time: ${options.createdSince}`, [
      'Use ISO 8601, e.g. 2026-11-24T00:00:00Z'
    ]);
  }
  const fields = 'Id, Username, Email, IsActive, LastLoginDate';
  const rows: Array<Record<string, unknown>> = [];
  const ids = wanted.filter((w) => /^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(w));
  const names = wanted.filter((w) => !ids.includes(w));
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    rows.push(
      ...(await query(
        t,
        `SELECT ${fields} FROM User WHERE Username IN (${chunk.map(soqlString).join(', ')})`,
        'look up the users'
      ))
    );
  }
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    rows.push(
      ...(await query(
        t,
        `SELECT ${fields} FROM User WHERE Id IN (${chunk.map(soqlString).join(', ')})`,
        'look up the users'
      ))
    );
  }
  if (options.createdSince) {
    const since = new Date(options.createdSince).toISOString().replace(/\.\d{3}Z$/, 'Z');
    rows.push(
      ...(await query(
        t,
        `SELECT ${fields} FROM User WHERE CreatedDate >= ${since} AND IsActive = true ORDER BY CreatedDate`,
        'find recently created users'
      ))
    );
  }
  const result: ActivateRow[] = [];
  const seen = new Set<string>();
  for (const w of wanted) {
    const found = rows.find(
      (r) => r.Id === w || String(r.Id).startsWith(w) || String(r.Username).toLowerCase() === w.toLowerCase()
    );
    if (!found) result.push({ username: w, status: 'skipped', detail: 'no such user' });
  }
  const toSend: ActivateRow[] = [];
  for (const r of rows) {
    const id = String(r.Id);
    if (seen.has(id)) continue;
    seen.add(id);
    const row: ActivateRow = { username: String(r.Username), id, status: 'skipped', detail: '' };
    if (r.IsActive !== true) row.detail = 'inactive (activate it in the identity provider first)';
    else if (r.LastLoginDate && !options.includeLoggedIn)
      row.detail = 'has logged in already (use --include-logged-in to send anyway)';
    else {
      row.status = options.dryRun ? 'would-send' : 'sent';
      row.detail = options.dryRun
        ? `would email ${String(r.Email)}`
        : `password-reset email sent to ${String(r.Email)}`;
      toSend.push(row);
    }
    result.push(row);
  }
  if (!options.dryRun) {
    for (let i = 0; i < toSend.length; i += BATCH) {
      throwIfAborted(ctx.signal);
      const batch = toSend.slice(i, i + BATCH);
      ctx.out.spin(`Sending password-reset emails ${i + 1}-${i + batch.length} of ${toSend.length}`);
      const apex = batch.map((r) => `System.resetPassword('${r.id}', true);`).join('\n');
      const res = await orgCall('run the password reset', t.alias, () => t.conn.tooling.executeAnonymous(apex));
      if (!res.compiled || !res.success) {
        const why = res.compileProblem ?? res.exceptionMessage ?? 'unknown error';
        for (const r of batch) {
          r.status = 'failed';
          r.detail = `not sent: ${why}`;
        }
      } else {
        for (const r of batch) ctx.leftBehind(`password reset email sent to ${r.username}`);
      }
      ctx.out.stopSpin();
    }
  }
  return {
    sent: result.filter((r) => r.status === 'sent' || r.status === 'would-send').length,
    skipped: result.filter((r) => r.status === 'skipped').length,
    failed: result.filter((r) => r.status === 'failed').length,
    users: result
  };
}
