import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import { subscribe, unsubscribe, onError } from 'lightning/empApi';
import getRules from '@salesforce/apex/ConsoleMappingController.getRules';
import validateRule from '@salesforce/apex/ConsoleMappingController.validateRule';
import saveRules from '@salesforce/apex/ConsoleMappingController.saveRules';

/** Platform event the deploy callback publishes when a console deployment finishes. */
export const DEPLOY_CHANNEL = '/event/ProvisioningDeployResult__e';
/** Wait this long after the last keystroke before validating a rule. */
export const VALIDATE_DELAY_MS = 400;

let nextKey = 0;
const newKey = () => `row-${++nextKey}`;

function toRow(rule) {
  return {
    key: newKey(),
    name: rule.name,
    scimPath: rule.scimPath || '',
    expression: rule.expression || '',
    required: Boolean(rule.required),
    triggersUpdate: Boolean(rule.triggersUpdate),
    removed: false,
    issues: [],
    pending: false
  };
}

/**
 * Edits the attribute mapping of a target: one row per rule (target path, expression, required, triggers update).
 * Each edit is validated by Apex (MappingValidator) as the admin types; save is blocked while any rule has an
 * issue, then deploys the rules as custom metadata and follows the deployment until its callback reports.
 */
export default class MappingEditor extends LightningElement {
  /** DeveloperName of the ProvisioningTarget__mdt record. */
  @api targetName;

  rows = [];
  loaded = false;
  loadError;
  saveError;
  wiredRules;
  dirty = false;
  deploy;
  subscription;
  pendingResults = [];
  timers = new Map();

  @wire(getRules, { targetName: '$targetName' })
  wireRules(result) {
    this.wiredRules = result;
    if (result.data) {
      this.rows = result.data.map(toRow);
      this.loaded = true;
      this.loadError = undefined;
      this.dirty = false;
    } else if (result.error) {
      this.loadError = result.error;
      this.loaded = false;
    }
  }

  get isLoading() {
    return !this.loaded && !this.loadError;
  }

  get visibleRows() {
    return this.rows
      .filter((row) => !row.removed)
      .map((row, index) => {
        const pathIssues = row.issues.filter((issue) => issue.field !== 'SourceExpression__c');
        const expressionIssues = row.issues.filter((issue) => issue.field === 'SourceExpression__c');
        const number = index + 1;
        return {
          ...row,
          number,
          pathLabel: `Target path, rule ${number}`,
          expressionLabel: `Expression, rule ${number}`,
          requiredLabel: `Required, rule ${number}`,
          triggersLabel: `Triggers update, rule ${number}`,
          removeLabel: `Remove rule ${number}`,
          pathIssues,
          expressionIssues,
          hasPathIssues: pathIssues.length > 0,
          hasExpressionIssues: expressionIssues.length > 0,
          rowClass: row.issues.length ? 'slds-hint-parent slds-theme_error-light' : 'slds-hint-parent'
        };
      });
  }

  get isEmpty() {
    return this.visibleRows.length === 0;
  }

  get issueCount() {
    return this.rows.filter((row) => !row.removed).reduce((count, row) => count + row.issues.length, 0);
  }

  get hasIssues() {
    return this.issueCount > 0;
  }

  get issueSummary() {
    return `${this.issueCount} issue${this.issueCount === 1 ? '' : 's'} to fix before saving.`;
  }

  get isPending() {
    return this.rows.some((row) => row.pending);
  }

  get isDeploying() {
    return Boolean(this.deploy && !this.deploy.done);
  }

  get saveDisabled() {
    return !this.dirty || this.hasIssues || this.isPending || this.isDeploying;
  }

  updateRow(key, changes) {
    this.rows = this.rows.map((row) => (row.key === key ? { ...row, ...changes } : row));
    this.dirty = true;
  }

  handleFieldChange(event) {
    const key = event.target.dataset.key;
    const field = event.target.dataset.field;
    const value = event.target.type === 'checkbox' ? event.detail.checked : event.detail.value;
    this.updateRow(key, { [field]: value });
    if (field === 'scimPath' || field === 'expression') {
      this.scheduleValidation(key);
    }
  }

  scheduleValidation(key) {
    clearTimeout(this.timers.get(key));
    this.updateRow(key, { pending: true });
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    const timer = setTimeout(() => this.validate(key), VALIDATE_DELAY_MS);
    this.timers.set(key, timer);
  }

  async validate(key) {
    const row = this.rows.find((candidate) => candidate.key === key);
    if (!row) {
      return;
    }
    const asked = { scimPath: row.scimPath, expression: row.expression };
    let issues;
    try {
      issues = (await validateRule(asked)) || [];
    } catch (error) {
      issues = [{ field: 'SourceExpression__c', message: `Could not validate: ${messageOf(error)}` }];
    }
    const current = this.rows.find((candidate) => candidate.key === key);
    if (current && current.scimPath === asked.scimPath && current.expression === asked.expression) {
      // Only the answer for the text still in the row counts; an older answer is dropped.
      this.updateRow(key, { issues: issues.map(describeIssue), pending: false });
    }
  }

  handleAdd() {
    const row = toRow({});
    this.rows = [...this.rows, row];
    this.dirty = true;
    this.scheduleValidation(row.key);
  }

  handleRemove(event) {
    const key = event.target.dataset.key;
    clearTimeout(this.timers.get(key));
    const row = this.rows.find((candidate) => candidate.key === key);
    if (row && !row.name) {
      this.rows = this.rows.filter((candidate) => candidate.key !== key);
      this.dirty = true;
    } else {
      this.updateRow(key, { removed: true, issues: [], pending: false });
    }
  }

  async handleReset() {
    this.saveError = undefined;
    this.timers.forEach((timer) => clearTimeout(timer));
    await refreshApex(this.wiredRules);
    // refreshApex does not call the wire again when the server's rules did not change: rebuild from them here.
    this.rows = ((this.wiredRules && this.wiredRules.data) || []).map(toRow);
    this.dirty = false;
  }

  async handleSave() {
    if (this.saveDisabled) {
      return;
    }
    this.saveError = undefined;
    const rules = this.rows
      .filter((row) => !(row.removed && !row.name))
      .map((row, index) => ({
        name: row.name,
        scimPath: row.scimPath,
        expression: row.expression,
        required: row.required,
        triggersUpdate: row.triggersUpdate,
        active: !row.removed,
        order: (index + 1) * 10
      }));
    this.deploy = { done: false, value: 10, label: 'Validating and queuing the deployment…' };
    try {
      await this.listenForDeploys();
      const result = await saveRules({ targetName: this.targetName, rules });
      this.deploy = { ...this.deploy, jobId: result.jobId, value: 30, label: `Deploying (job ${result.jobId})…` };
      this.applyPendingResult();
    } catch (error) {
      this.deploy = undefined;
      this.saveError = error;
    }
  }

  async listenForDeploys() {
    if (this.subscription) {
      return;
    }
    onError((error) => {
      if (this.isDeploying) {
        this.deploy = { ...this.deploy, done: true };
        this.saveError = { message: `Lost contact with the deployment: ${messageOf(error)}` };
      }
    });
    this.subscription = await subscribe(DEPLOY_CHANNEL, -1, (message) => this.handleDeployMessage(message));
  }

  handleDeployMessage(message) {
    const payload = message && message.data && message.data.payload;
    if (!payload || !this.deploy) {
      return;
    }
    if (!this.deploy.jobId) {
      // The callback can be faster than the answer of saveRules: keep the result until the job id is known.
      this.pendingResults = [...(this.pendingResults || []), payload];
      return;
    }
    if (payload.JobId__c === this.deploy.jobId) {
      this.finishDeploy(payload);
    }
  }

  applyPendingResult() {
    const match = (this.pendingResults || []).find((payload) => payload.JobId__c === this.deploy.jobId);
    this.pendingResults = [];
    if (match) {
      this.finishDeploy(match);
    }
  }

  async finishDeploy(payload) {
    const total = payload.ComponentsTotal__c || 0;
    const deployed = payload.ComponentsDeployed__c || 0;
    if (payload.Success__c) {
      this.deploy = {
        ...this.deploy,
        done: true,
        value: 100,
        success: true,
        label: `Deployed ${deployed} of ${total} rule records.`
      };
      this.dirty = false;
      await refreshApex(this.wiredRules);
    } else {
      this.deploy = { ...this.deploy, done: true, value: 100, success: false, label: 'The deployment failed.' };
      this.saveError = { message: payload.Message__c || `Deployment ${payload.Status__c || 'failed'}.` };
    }
  }

  get deployBarStyle() {
    return `width: ${this.deploy ? this.deploy.value : 0}%`;
  }

  get deployClass() {
    return `slds-m-top_small deploy ${this.deploy && this.deploy.success ? 'slds-text-color_success' : ''}`;
  }

  disconnectedCallback() {
    this.timers.forEach((timer) => clearTimeout(timer));
    if (this.subscription) {
      unsubscribe(this.subscription, () => {});
      this.subscription = undefined;
    }
  }
}

function describeIssue(issue) {
  const where = issue.position === null || issue.position === undefined ? '' : ` (at character ${issue.position + 1})`;
  return {
    id: `${issue.field}:${issue.position}:${issue.message}`,
    field: issue.field,
    message: `${issue.message}${where}`
  };
}

function messageOf(error) {
  return (error && error.body && error.body.message) || (error && error.message) || String(error);
}
