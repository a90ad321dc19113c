/**
 * Fault injection for the local SCIM target. A fault rule matches requests by method and path and changes what
 * the target does for the next `count` matching requests (after letting `skip` of them through untouched).
 */
export const FAULT_KINDS = [
  'latency',
  'status',
  'timeout',
  'reset',
  'html',
  'truncated',
  'created200',
  'duplicate400',
  'stringBooleans'
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  id: string;
  kind: FaultKind;
  /** HTTP method to match, or `*` (default). */
  method: string;
  /** Path under the SCIM base, e.g. `/Users`, `/Users/*`, `*` (default). `*` matches any run of characters. */
  path: string;
  /** How many matching requests get the fault; `null` = every one until removed. */
  count: number | null;
  /** Matching requests to let through untouched before the fault starts. */
  skip: number;
  /** latency: delay in ms; timeout: how long to hold the request before dropping the connection (default 5 min). */
  ms?: number;
  /** status: the HTTP status (429, 500, 503...); html: status of the HTML page (default 200). */
  status?: number;
  /** status 429/503: Retry-After header value in seconds. */
  retryAfter?: number;
  /** How many requests this rule has hit so far. */
  hits: number;
  /** How many matching requests it has seen (including skipped ones). */
  seen: number;
}

export type FaultInput = Partial<Omit<FaultRule, 'id' | 'hits' | 'seen'>> & { kind: string };

/** Thrown for a bad fault definition; the admin API answers 400 with the message. */
export class FaultDefinitionError extends Error {}

/** Validates an admin request body and returns a normalised rule. */
export function parseFault(input: FaultInput, id: string): FaultRule {
  if (!input || typeof input !== 'object') throw new FaultDefinitionError('Fault must be a JSON object.');
  if (!FAULT_KINDS.includes(input.kind)) {
    throw new FaultDefinitionError(`Unknown fault kind "${String(input.kind)}"; one of: ${FAULT_KINDS.join(', ')}.`);
  }
  const kind = input.kind;
  const int = (name: string, value: unknown, min: number, max: number): number | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new FaultDefinitionError(`"${name}" must be an integer from ${min} to ${max}.`);
    }
    return value;
  };
  const rule: FaultRule = {
    id,
    kind,
    method: typeof input.method === 'string' && input.method !== '' ? input.method.toUpperCase() : '*',
    path: typeof input.path === 'string' && input.path !== '' ? input.path : '*',
    count: int('count', input.count, 1, 1_000_000) ?? null,
    skip: int('skip', input.skip, 0, 1_000_000) ?? 0,
    ms: int('ms', input.ms, 0, 600_000),
    status: int('status', input.status, 100, 599),
    retryAfter: int('retryAfter', input.retryAfter, 0, 86_400),
    hits: 0,
    seen: 0
  };
  if (kind === 'latency' && rule.ms === undefined) throw new FaultDefinitionError('A latency fault needs "ms".');
  if (kind === 'status' && rule.status === undefined) {
    throw new FaultDefinitionError('A status fault needs "status" (for example 429, 500 or 503).');
  }
  if (kind === 'status' && rule.status === 429 && rule.retryAfter === undefined) rule.retryAfter = 1;
  return rule;
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`, 'i');
  return regex.test(path);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** The active fault rules, in the order they were added. */
export class FaultSet {
  private rules: FaultRule[] = [];
  private next = 1;

  add(input: FaultInput): FaultRule {
    const rule = parseFault(input, `f${this.next++}`);
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The faults that apply to this request (at most one of each kind), counting them as used. Rules whose count
   * is spent are dropped.
   */
  take(method: string, path: string): FaultRule[] {
    const applied: FaultRule[] = [];
    for (const rule of this.rules) {
      if (rule.method !== '*' && rule.method !== method.toUpperCase()) continue;
      if (!pathMatches(rule.path, path)) continue;
      rule.seen++;
      if (rule.seen <= rule.skip) continue;
      if (applied.some((other) => other.kind === rule.kind)) continue;
      rule.hits++;
      applied.push({ ...rule });
    }
    this.rules = this.rules.filter((rule) => rule.count === null || rule.hits < rule.count);
    return applied;
  }
}
