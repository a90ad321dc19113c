import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import LightningConfirm from 'lightning/confirm';
import getPilot from '@salesforce/apex/ConsolePilotController.getPilot';
import addPilotMember from '@salesforce/apex/ConsolePilotController.addPilotMember';
import removePilotMember from '@salesforce/apex/ConsolePilotController.removePilotMember';
import promoteToLive from '@salesforce/apex/ConsolePilotController.promoteToLive';

const COLUMNS = [
  { label: 'Name', fieldName: 'name', type: 'text' },
  { label: 'Username', fieldName: 'username', type: 'text' },
  {
    label: 'In pilot since',
    fieldName: 'assignedAt',
    type: 'date',
    typeAttributes: { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' }
  },
  { label: 'Account on target', fieldName: 'linkStatus', type: 'text' },
  { label: 'Last event', fieldName: 'lastState', type: 'text' },
  { type: 'action', typeAttributes: { rowActions: [{ label: 'Remove from pilot', name: 'remove' }] } }
];

/**
 * The pilot group of a target: members (holders of the pilot permission set) with their provisioning state,
 * add/remove with search, and "promote to live" behind the field guides' checklist (pilot ran 48 hours, no
 * failures, deactivation path tested). Apex re-checks the checklist; the button only mirrors it.
 */
export default class PilotGroup extends LightningElement {
  /** DeveloperName of the ProvisioningTarget__mdt record. */
  @api targetName;

  columns = COLUMNS;
  pilot;
  error;
  actionError;
  status;
  wiredPilot;
  isWorking = false;

  @wire(getPilot, { targetName: '$targetName' })
  wirePilot(result) {
    this.wiredPilot = result;
    if (result.data) {
      this.pilot = result.data;
      this.error = undefined;
    } else if (result.error) {
      this.pilot = undefined;
      this.error = result.error;
    }
  }

  get isLoading() {
    return !this.pilot && !this.error;
  }

  get members() {
    return (this.pilot && this.pilot.members) || [];
  }

  get hasMembers() {
    return this.members.length > 0;
  }

  get checklist() {
    return ((this.pilot && this.pilot.checklist) || []).map((item) => ({
      ...item,
      icon: item.passed ? 'utility:success' : 'utility:close',
      iconText: item.passed ? 'Met' : 'Not met',
      variant: item.passed ? 'success' : 'error'
    }));
  }

  get promoteDisabled() {
    return !this.pilot || !this.pilot.canPromote || this.isWorking;
  }

  get isLive() {
    return this.pilot && this.pilot.stage === 'Live';
  }

  async run(action, successMessage) {
    this.isWorking = true;
    this.actionError = undefined;
    this.status = undefined;
    try {
      const result = await action();
      this.status = typeof successMessage === 'function' ? successMessage(result) : successMessage;
      await refreshApex(this.wiredPilot);
    } catch (error) {
      this.actionError = error;
    } finally {
      this.isWorking = false;
    }
  }

  async handleAdd(event) {
    const user = event.detail;
    await this.run(
      () => addPilotMember({ targetName: this.targetName, userId: user.userId }),
      `${user.name} was added to the pilot group.`
    );
  }

  async handleRowAction(event) {
    const { action, row } = event.detail;
    if (action.name === 'remove') {
      await this.run(
        () => removePilotMember({ targetName: this.targetName, userId: row.userId }),
        `${row.name} was removed from the pilot group; their account on the target is deactivated.`
      );
    }
  }

  async handlePromote() {
    const confirmed = await LightningConfirm.open({
      label: 'Promote to live?',
      message: 'Every assigned user will be provisioned to this target, not only the pilot group.',
      variant: 'header',
      theme: 'warning'
    });
    if (!confirmed) {
      return;
    }
    await this.run(
      () => promoteToLive({ targetName: this.targetName }),
      (result) => `Promotion deploying (job ${result.jobId}). The target goes live when the deployment finishes.`
    );
    if (!this.actionError) {
      this.dispatchEvent(new CustomEvent('refresh'));
    }
  }
}
