/**
 * Offline checks of the mapping test vectors (force-app/test/mapping/staticresources/MappingVectors.json). The
 * Apex tests that run them (MappingService_Tests) need an org; these checks keep the file honest in the offline CI:
 * its structure, that every function of the expression language is exercised, that every error the mapping code
 * can raise is expected by a vector (or by a named Apex test), and that the sample target in custom metadata is
 * the one the vectors describe.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const VECTORS_PATH = join(REPO, 'force-app', 'test', 'mapping', 'staticresources', 'MappingVectors.json');
const MAPPING_CLASSES = join(REPO, 'force-app', 'main', 'mapping', 'classes');
const SCIM_CLASSES = join(REPO, 'force-app', 'main', 'scim', 'classes');
const CUSTOM_METADATA = join(REPO, 'force-app', 'main', 'mapping', 'customMetadata');
const EXPECTATION_KINDS = ['resource', 'patch', 'errors', 'issues'] as const;
const CORE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Error messages that no vector can reach, each with the reason. */
const UNREACHABLE: Record<string, string> = {
  'which mapping does not support': 'User has no polymorphic lookup in a standard org, so no path can reach it'
};

interface Rule {
  name: string;
  path: string;
  expression: string;
  required?: boolean;
  triggersUpdate?: boolean;
}

interface Vector {
  name: string;
  description: string;
  rules: Rule[];
  useDefaultRules?: boolean;
  user?: Record<string, unknown>;
  permissionSets?: string[];
  permissionSetGroups?: string[];
  matchingAttribute?: string;
  previous?: Record<string, unknown>;
  expect: Record<string, unknown>;
}

interface Document {
  description: string;
  baseUser: Record<string, unknown>;
  defaultRules: Rule[];
  vectors: Vector[];
}

const document = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as Document;

function apexSources(dir: string, filter: (name: string) => boolean = () => true): Map<string, string> {
  const sources = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.cls') && filter(name)) sources.set(name, readFileSync(join(dir, name), 'utf8'));
  }
  return sources;
}

function allApexTestSources(): string {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.cls')) found.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(REPO, 'force-app', 'test'));
  return found.join('\n');
}

/** The function names registered in MappingFunctions.cls (`new Definition('Name', ...)`). */
function languageFunctions(): string[] {
  const source = readFileSync(join(MAPPING_CLASSES, 'MappingFunctions.cls'), 'utf8');
  return [...source.matchAll(/new Definition\(\s*'([A-Za-z]+)'/g)].map((match) => match[1]);
}

/** Unescapes an Apex string literal body (`\'`, `\\`, `\n`, `\t`). */
function unescapeApex(body: string): string {
  return body.replace(/\\(.)/g, (_all, char: string) => ({ n: '\n', t: '\t' })[char] ?? char);
}

/**
 * The argument text of every call to one of `callees` in an Apex source, found by scanning balanced parentheses
 * and skipping string literals.
 */
function callArguments(source: string, callees: RegExp): string[] {
  const results: string[] = [];
  for (const match of source.matchAll(callees)) {
    let index = (match.index ?? 0) + match[0].length;
    let depth = 1;
    const start = index;
    while (index < source.length && depth > 0) {
      const char = source[index];
      if (char === "'") {
        index++;
        while (index < source.length && source[index] !== "'") index += source[index] === '\\' ? 2 : 1;
      } else if (char === '(') depth++;
      else if (char === ')') depth--;
      index++;
    }
    results.push(source.slice(start, index - 1));
  }
  return results;
}

/** The longest string literal of an argument list, unescaped. */
function longestLiteral(args: string): string {
  const literals = [...args.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((match) => unescapeApex(match[1]));
  return literals.reduce((longest, literal) => (literal.length > longest.length ? literal : longest), '');
}

/** Every expected message text of the vectors (errors and issue messages). */
function expectedMessages(): string[] {
  const messages: string[] = [];
  for (const vector of document.vectors) {
    const errors = vector.expect.errors as string[] | undefined;
    const issues = vector.expect.issues as Array<{ message: string }> | undefined;
    messages.push(...(errors ?? []), ...(issues ?? []).map((issue) => issue.message));
  }
  return messages;
}

function rulesOf(vector: Vector): Rule[] {
  return [...(vector.useDefaultRules === false ? [] : document.defaultRules), ...vector.rules];
}

describe('mapping test vectors', () => {
  it('has a base user, default rules and vectors', () => {
    expect(typeof document.description).toBe('string');
    expect(typeof document.baseUser).toBe('object');
    expect(document.baseUser.Id).toMatch(/^005[0-9A-Za-z]{12}$/);
    expect(Array.isArray(document.defaultRules)).toBe(true);
    expect(document.defaultRules.map((rule) => rule.path)).toContain('userName');
    expect(document.vectors.length).toBeGreaterThanOrEqual(100);
  });

  it('gives every vector a unique name, a description, rules and exactly one expectation kind', () => {
    const names = new Set<string>();
    for (const vector of document.vectors) {
      expect(vector.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(names.has(vector.name)).toBe(false);
      names.add(vector.name);
      expect(vector.description.length).toBeGreaterThan(0);
      expect(Array.isArray(vector.rules)).toBe(true);
      const kinds = Object.keys(vector.expect);
      expect({ vector: vector.name, kinds }).toEqual({
        vector: vector.name,
        kinds: [expect.stringMatching(new RegExp(`^(${EXPECTATION_KINDS.join('|')})$`))]
      });
      expect({ vector: vector.name, hasPrevious: 'previous' in vector }).toEqual({
        vector: vector.name,
        hasPrevious: kinds[0] === 'patch'
      });
    }
  });

  it('gives every rule a name, a path and an expression, with unique names in a vector', () => {
    for (const vector of document.vectors) {
      const rules = rulesOf(vector);
      expect(rules.length).toBeGreaterThan(0);
      const ruleNames = rules.map((rule) => rule.name);
      expect({ vector: vector.name, duplicates: ruleNames.filter((n, i) => ruleNames.indexOf(n) !== i) }).toEqual({
        vector: vector.name,
        duplicates: []
      });
      for (const rule of rules) {
        expect(typeof rule.name).toBe('string');
        expect(typeof rule.path).toBe('string');
        expect(typeof rule.expression).toBe('string');
        for (const flag of ['required', 'triggersUpdate'] as const) {
          if (flag in rule) expect(typeof rule[flag]).toBe('boolean');
        }
      }
      for (const list of [vector.permissionSets, vector.permissionSetGroups]) {
        if (list !== undefined) expect(list.every((item) => typeof item === 'string')).toBe(true);
      }
    }
  });

  it('shapes each expectation as the Apex runner reads it', () => {
    for (const vector of document.vectors) {
      const [kind] = Object.keys(vector.expect);
      const value = vector.expect[kind];
      if (kind === 'resource') {
        const resource = value as Record<string, unknown>;
        expect((resource.schemas as string[])[0]).toBe(CORE_SCHEMA);
      } else if (kind === 'patch') {
        for (const operation of value as Array<Record<string, unknown>>) {
          expect(['add', 'replace', 'remove']).toContain(operation.op);
          expect(typeof operation.path).toBe('string');
          expect('value' in operation).toBe(operation.op !== 'remove');
        }
      } else if (kind === 'errors') {
        expect((value as string[]).length).toBeGreaterThan(0);
        expect((value as unknown[]).every((item) => typeof item === 'string')).toBe(true);
      } else {
        for (const issue of value as Array<Record<string, unknown>>) {
          expect(typeof issue.message).toBe('string');
          expect([null, 'ScimPath__c', 'SourceExpression__c']).toContain(issue.field);
          expect(issue.position === null || Number.isInteger(issue.position)).toBe(true);
        }
      }
    }
  });

  it('points every issue position inside the rule field it names', () => {
    for (const vector of document.vectors) {
      const issues = (vector.expect.issues ?? []) as Array<{
        rule: string | null;
        field: string | null;
        position: number | null;
      }>;
      for (const issue of issues) {
        if (issue.rule === null || issue.position === null) continue;
        const rule = rulesOf(vector).find((candidate) => candidate.name === issue.rule);
        expect({ vector: vector.name, rule: issue.rule, found: rule !== undefined }).toEqual({
          vector: vector.name,
          rule: issue.rule,
          found: true
        });
        const text = issue.field === 'ScimPath__c' ? rule!.path : rule!.expression;
        expect(issue.position).toBeGreaterThanOrEqual(0);
        expect(issue.position).toBeLessThanOrEqual(text.length);
      }
    }
  });

  it('exercises every function of the language in a vector that maps successfully', () => {
    const functions = languageFunctions();
    expect(functions.length).toBeGreaterThanOrEqual(25);
    const successful = document.vectors.filter((vector) => 'resource' in vector.expect || 'patch' in vector.expect);
    const expressions = successful.flatMap((vector) => rulesOf(vector).map((rule) => rule.expression));
    const missing = functions.filter(
      (name) => !expressions.some((expression) => new RegExp(`\\b${name}\\s*\\(`, 'i').test(expression))
    );
    expect(missing).toEqual([]);
  });

  it('expects every error message the mapping code can raise', () => {
    const sources = new Map([
      ...apexSources(MAPPING_CLASSES),
      ...apexSources(SCIM_CLASSES, (name) => /^(ScimPath|ScimPathParser|ScimSchema)\.cls$/.test(name))
    ]);
    const callees =
      /(?:MappingException\.at|ScimPath\.error|\bfail|new MappingException|new MappingIssue|errors\.add|failed)\s*\(/g;
    const messages = expectedMessages();
    const tests = allApexTestSources();
    const uncovered: string[] = [];
    let checked = 0;
    for (const [file, source] of sources) {
      for (const args of callArguments(source, callees)) {
        const literal = longestLiteral(args);
        if (literal.length < 8) continue;
        checked++;
        if (Object.keys(UNREACHABLE).some((text) => literal.includes(text))) continue;
        const apexForm = literal.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
        if (messages.some((message) => message.includes(literal)) || tests.includes(apexForm)) continue;
        uncovered.push(`${file}: "${literal}"`);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(50);
    expect(uncovered).toEqual([]);
  });

  it('describes the sample ScimTarget exactly as its custom metadata records', () => {
    const sample = document.vectors.find((vector) => vector.name === 'sample-target-full-resource');
    expect(sample).toBeDefined();
    const records = readdirSync(CUSTOM_METADATA)
      .filter((name) => name.startsWith('ProvisioningRule.ScimTarget_'))
      .map((name) => {
        const xml = readFileSync(join(CUSTOM_METADATA, name), 'utf8');
        const value = (field: string): string => {
          const match = new RegExp(`<field>${field}</field>\\s*<value[^>]*>([^<]*)</value>`).exec(xml);
          return (match?.[1] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
        };
        return {
          order: Number(value('Order__c')),
          path: value('ScimPath__c'),
          expression: value('SourceExpression__c')
        };
      })
      .sort((a, b) => a.order - b.order)
      .map(({ path, expression }) => ({ path, expression }));
    expect(records).toEqual(sample!.rules.map(({ path, expression }) => ({ path, expression })));
  });

  it('ships as a static resource with the JSON content type', () => {
    const meta = VECTORS_PATH.replace(/\.json$/, '.resource-meta.xml');
    expect(existsSync(meta)).toBe(true);
    expect(readFileSync(meta, 'utf8')).toContain('<contentType>application/json</contentType>');
  });
});
