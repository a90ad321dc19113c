import { LightningElement, api } from 'lwc';
import LightningConfirm from 'lightning/confirm';
import setStage from '@salesforce/apex/ConsoleTargetController.setStage';

export const STAGES = [
  { value: 'DryRun', label: 'Dry run', help: 'requests are recorded, nothing is sent' },
  { value: 'Pilot', label: 'Pilot', help: 'only members of the pilot permission set are provisioned' },
  { value: 'Live', label: 'Live', help: 'every assigned user is provisioned' }
];

const COLUMNS = [
  { label: 'Target', fieldName: 'label', type: 'text' },
  { label: 'Driver', fieldName: 'driver', type: 'text', initialWidth: 130 },
  { label: 'Stage', fieldName: 'stageLabel', type: 'text', initialWidth: 110 },
  { label: 'Enabled', fieldName: 'isEnabled', type: 'boolean', initialWidth: 90 },
  {
    label: 'Health',
    fieldName: 'healthLabel',
    type: 'text',
    cellAttributes: { iconName: { fieldName: 'healthIcon' }, iconAlternativeText: { fieldName: 'healthLabel' } }
  },
  { type: 'action', typeAttributes: { rowActions: { fieldName: 'actions' } } }
];

const HEALTH_ICONS = {
  Healthy: 'utility:success',
  Degraded: 'utility:warning',
  Quarantined: 'utility:error',
  Unknown: 'utility:question'
};

/**
 * Lists the provisioning targets with driver, stage and health, and moves a target between dry run, pilot and live
 * after an explicit confirmation. The stage is custom metadata, so a change is a deployment; Apex refuses "Live"
 * while the pilot checklist is not met.
 */
export default class TargetList extends LightningElement {
  /** Targets as returned by ConsoleTargetController.getConsoleContext. */
  @api targets = [];

  columns = COLUMNS;
  error;
  status;
  isSaving = false;

  get rows() {
    return (this.targets || []).map((target) => ({
      ...target,
      healthIcon: HEALTH_ICONS[target.health] || HEALTH_ICONS.Unknown,
      healthLabel: target.healthDetail ? `${target.health}: ${target.healthDetail}` : target.health,
      actions: [
        { label: 'Open', name: 'open' },
        ...STAGES.filter((stage) => stage.value !== target.stage).map((stage) => ({
          label: `Move to ${stage.label}`,
          name: `stage:${stage.value}`
        }))
      ]
    }));
  }

  get isEmpty() {
    return !this.targets || this.targets.length === 0;
  }

  async handleRowAction(event) {
    const { action, row } = event.detail;
    if (action.name === 'open') {
      this.dispatchEvent(new CustomEvent('opentarget', { detail: { targetName: row.name } }));
      return;
    }
    const stage = STAGES.find((candidate) => `stage:${candidate.value}` === action.name);
    if (stage) {
      await this.changeStage(row, stage);
    }
  }

  async changeStage(target, stage) {
    const confirmed = await LightningConfirm.open({
      label: `Move ${target.label} to ${stage.label}?`,
      message: `${stage.label}: ${stage.help}. The change is deployed as custom metadata.`,
      variant: 'header',
      theme: stage.value === 'Live' ? 'warning' : 'default'
    });
    if (!confirmed) {
      return;
    }
    this.isSaving = true;
    this.error = undefined;
    this.status = undefined;
    try {
      const result = await setStage({ targetName: target.name, stage: stage.value });
      this.status = `Deploying: ${target.label} moves to ${stage.label} when deployment ${result.jobId} finishes.`;
      this.dispatchEvent(new CustomEvent('refresh'));
    } catch (error) {
      this.error = error;
    } finally {
      this.isSaving = false;
    }
  }
}
