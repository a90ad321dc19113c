import { LightningElement, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getConsoleContext from '@salesforce/apex/ConsoleTargetController.getConsoleContext';

/**
 * The User Provisioning console: picks a target and hosts the targets, mapping, preview, pilot, log, staged and
 * health views. Access is decided in Apex (custom permission ProvisioningAdmin); without it the console shows a
 * "no access" state and loads nothing else.
 */
export default class ProvisioningConsole extends LightningElement {
  selectedTarget;
  wiredContext;
  context;
  error;

  @wire(getConsoleContext)
  wireContext(result) {
    this.wiredContext = result;
    const { data, error } = result;
    if (data) {
      this.context = data;
      this.error = undefined;
      const names = (data.targets || []).map((target) => target.name);
      if (!names.includes(this.selectedTarget)) {
        this.selectedTarget = names[0];
      }
    } else if (error) {
      this.context = undefined;
      this.error = error;
    }
  }

  get isLoading() {
    return !this.context && !this.error;
  }

  get hasAccess() {
    return Boolean(this.context && this.context.hasAccess);
  }

  get noAccess() {
    return Boolean(this.context && !this.context.hasAccess);
  }

  get targets() {
    return (this.context && this.context.targets) || [];
  }

  get hasTargets() {
    return this.targets.length > 0;
  }

  get targetOptions() {
    return this.targets.map((target) => ({ label: `${target.label} (${target.stageLabel})`, value: target.name }));
  }

  get currentTarget() {
    return this.targets.find((target) => target.name === this.selectedTarget);
  }

  handleTargetChange(event) {
    this.selectedTarget = event.detail.value;
  }

  handleOpenTarget(event) {
    this.selectedTarget = event.detail.targetName;
  }

  async handleRefresh() {
    await refreshApex(this.wiredContext);
  }
}
