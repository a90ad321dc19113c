import { parse } from 'yaml';

/**
 * Safety rules for this repository's GitHub Actions workflows, checked offline by scripts/test/workflows.test.ts so
 * that a later edit cannot quietly weaken them. Each rule returns readable violations ("<file>: <what>").
 */

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}

export interface Job {
  'runs-on'?: string;
  env?: Record<string, unknown>;
  steps?: Step[];
  permissions?: unknown;
}

export interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  env?: Record<string, unknown>;
  jobs?: Record<string, Job>;
}

/** A workflow file: its name, raw text (for `# vX` pin comments) and parsed document. */
export interface WorkflowFile {
  file: string;
  text: string;
  doc: Workflow;
}

export function loadWorkflow(file: string, text: string): WorkflowFile {
  return { file, text, doc: parse(text) as Workflow };
}

const SECRET_EXPR = /\$\{\{[^}]*\bsecrets\./;
/** Expressions that carry text an outsider can choose; never interpolate them into a shell script. */
const UNTRUSTED_EXPR = /\$\{\{[^}]*\b(secrets\.|inputs\.|github\.event\.|github\.head_ref)/;

export function allSteps(workflow: Workflow): Array<{ job: string; step: Step; index: number }> {
  return Object.entries(workflow.jobs ?? {}).flatMap(([job, def]) =>
    (def.steps ?? []).map((step, index) => ({ job, step, index }))
  );
}

const label = (job: string, step: Step, index: number): string =>
  `job ${job} step ${index + 1}${step.name ? ` "${step.name}"` : step.uses ? ` (${step.uses})` : ''}`;

/** The event names a workflow runs on. */
export function triggers(workflow: Workflow): string[] {
  const on = workflow.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  if (on && typeof on === 'object') return Object.keys(on);
  return [];
}

/** pull_request, never pull_request_target (which runs fork code with the repository's secrets). */
export function checkTriggers(wf: WorkflowFile): string[] {
  return triggers(wf.doc).includes('pull_request_target')
    ? [`${wf.file}: uses pull_request_target; use pull_request so fork PRs never see secrets`]
    : [];
}

/** No secret or outsider-controlled expression is pasted into `run:` text; secrets live only in step `env:`. */
export function checkSecretsPlacement(wf: WorkflowFile): string[] {
  const out: string[] = [];
  for (const { job, step, index } of allSteps(wf.doc)) {
    if (step.run && UNTRUSTED_EXPR.test(step.run)) {
      out.push(`${wf.file}: ${label(job, step, index)} interpolates secrets/inputs/event data into run: text`);
    }
    for (const [key, value] of Object.entries(step.with ?? {})) {
      if (typeof value === 'string' && SECRET_EXPR.test(value)) {
        out.push(`${wf.file}: ${label(job, step, index)} passes a secret in with.${key}`);
      }
    }
  }
  for (const [key, value] of Object.entries(wf.doc.env ?? {})) {
    if (typeof value === 'string' && SECRET_EXPR.test(value)) {
      out.push(`${wf.file}: workflow-level env.${key} holds a secret (every step would see it)`);
    }
  }
  for (const [job, def] of Object.entries(wf.doc.jobs ?? {})) {
    for (const [key, value] of Object.entries(def.env ?? {})) {
      if (typeof value === 'string' && SECRET_EXPR.test(value)) {
        out.push(`${wf.file}: job ${job} env.${key} holds a secret (every step would see it)`);
      }
    }
  }
  return out;
}

/** The only shapes in which a step may touch a secret-holding env variable in its script. */
function allowedSecretUse(variable: string): RegExp[] {
  const v = variable.replace(/[^A-Z0-9_]/gi, '');
  return [
    new RegExp(`printf '%s' "\\$${v}" \\| npx sf org login sfdx-url --sfdx-url-stdin - `, 'g'),
    new RegExp(`\\[ -[nz] "\\$${v}" \\]`, 'g'),
    new RegExp(`"\\$\\{${v}:\\+yes\\}"`, 'g')
  ];
}

/**
 * A step's secret variables are used only to pipe an auth URL into `sf org login sfdx-url --sfdx-url-stdin -` or
 * to test presence: never echoed, written to a file, or put on a command line.
 */
export function checkSecretUse(wf: WorkflowFile): string[] {
  const out: string[] = [];
  for (const { job, step, index } of allSteps(wf.doc)) {
    const secretVars = Object.entries(step.env ?? {})
      .filter(([, value]) => typeof value === 'string' && SECRET_EXPR.test(value))
      .map(([key]) => key);
    for (const variable of secretVars) {
      let text = step.run ?? '';
      for (const allowed of allowedSecretUse(variable)) text = text.replace(allowed, '');
      if (new RegExp(`\\$\\{?${variable}\\b`).test(text)) {
        out.push(`${wf.file}: ${label(job, step, index)} uses $${variable} outside stdin login or a presence test`);
      }
    }
    const run = step.run ?? '';
    if (/--sfdx-url-file|--jwt-key-file|sfdx-url-stdin(?! -)/.test(run)) {
      out.push(`${wf.file}: ${label(job, step, index)} logs in from a file or with --sfdx-url-stdin without "-"`);
    }
  }
  return out;
}

/** Every action is pinned to a full commit SHA with its tag in a comment, and checkout keeps no token. */
export function checkPins(wf: WorkflowFile): string[] {
  const out: string[] = [];
  for (const { job, step, index } of allSteps(wf.doc)) {
    if (!step.uses) continue;
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(step.uses)) {
      out.push(`${wf.file}: ${label(job, step, index)} is not pinned to a full commit SHA`);
      continue;
    }
    const line = wf.text.split('\n').find((l) => l.includes(`uses: ${step.uses}`));
    if (!line || !/#\s*v\d+\.\d+\.\d+\s*$/.test(line)) {
      out.push(`${wf.file}: ${label(job, step, index)} pin has no "# vX.Y.Z" comment naming its tag`);
    }
    if (step.uses.startsWith('actions/checkout@') && step.with?.['persist-credentials'] !== false) {
      out.push(`${wf.file}: ${label(job, step, index)} must set persist-credentials: false`);
    }
  }
  return out;
}

/** Read-only token unless a job says otherwise. */
export function checkPermissions(wf: WorkflowFile): string[] {
  const perms = wf.doc.permissions;
  const readOnly =
    perms !== null &&
    typeof perms === 'object' &&
    Object.values(perms as Record<string, unknown>).every((v) => v !== 'write');
  return readOnly ? [] : [`${wf.file}: top-level permissions must be declared and read-only`];
}

/** Every step that deletes a scratch org runs under always(), so failed or cancelled runs do not leak orgs. */
export function checkOrgDeletion(wf: WorkflowFile, required: boolean): string[] {
  const out: string[] = [];
  const deleting = allSteps(wf.doc).filter(({ step }) => /sf org delete scratch/.test(step.run ?? ''));
  if (required && deleting.length === 0) out.push(`${wf.file}: no step deletes the scratch org`);
  for (const { job, step, index } of deleting) {
    if (!/^\s*always\(\)/.test(step.if ?? '')) {
      out.push(`${wf.file}: ${label(job, step, index)} deletes the scratch org without if: always()`);
    }
  }
  if (deleting.length > 0) {
    const creating = allSteps(wf.doc).find(({ step }) => /sf org create scratch/.test(step.run ?? ''));
    if (creating && deleting.some(({ index, job }) => job === creating.job && index < creating.index)) {
      out.push(`${wf.file}: the scratch org is deleted before it is created`);
    }
  }
  return out;
}

/**
 * Apex tests run with coverage as JSON and are followed by the coverage gate with the issue's thresholds
 * (90% org-wide, 85% per class of ours).
 */
export function checkCoverageGate(wf: WorkflowFile): string[] {
  const steps = allSteps(wf.doc);
  const tests = steps.find(({ step }) => /sf apex run test/.test(step.run ?? ''));
  const gate = steps.find(({ step }) => /scripts\/dist\/ci\/coverageGate\.js/.test(step.run ?? ''));
  const out: string[] = [];
  if (!tests) return [`${wf.file}: no step runs the Apex tests`];
  if (!/--code-coverage/.test(tests.step.run ?? '') || !/--result-format json/.test(tests.step.run ?? '')) {
    out.push(`${wf.file}: the Apex test step must use --code-coverage and --result-format json`);
  }
  if (!gate) return [...out, `${wf.file}: no coverage gate step (scripts/dist/ci/coverageGate.js)`];
  const run = gate.step.run ?? '';
  if (!/--org-wide-min 90\b/.test(run) || !/--class-min 85\b/.test(run)) {
    out.push(`${wf.file}: the coverage gate must use --org-wide-min 90 --class-min 85`);
  }
  if (gate.job !== tests.job || gate.index < tests.index)
    out.push(`${wf.file}: the coverage gate runs before the tests`);
  if (/\|\|\s*true|continue-on-error/.test(run) || (gate.step as Record<string, unknown>)['continue-on-error']) {
    out.push(`${wf.file}: the coverage gate must be able to fail the job`);
  }
  return out;
}

/**
 * When the credential is absent the workflow must skip, not fail: a step with the given id decides `ready`,
 * says why in a ::notice or ::warning, and every later step (but cleanup of what it made) is conditioned on it.
 */
export function checkSkipPath(wf: WorkflowFile, gateId: string): string[] {
  const steps = allSteps(wf.doc);
  const gate = steps.find(({ step }) => step.id === gateId);
  if (!gate) return [`${wf.file}: no step with id "${gateId}" checks the credentials`];
  const out: string[] = [];
  const run = gate.step.run ?? '';
  if (!/ready=false/.test(run) || !/::(notice|warning)/.test(run)) {
    out.push(`${wf.file}: step "${gateId}" must set ready=false and explain the skip in a ::notice`);
  }
  const guard = new RegExp(`steps\\.${gateId}\\.outputs\\.ready == 'true'|steps\\.deploy\\.outcome == 'success'`);
  for (const { job, step, index } of steps) {
    if (job !== gate.job || index <= gate.index) continue;
    if (!guard.test(step.if ?? '')) {
      out.push(`${wf.file}: ${label(job, step, index)} runs even when the credentials are absent`);
    }
  }
  return out;
}
