import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getStagedEvents from '@salesforce/apex/ConsoleLogController.getStagedEvents';
import decideStaged from '@salesforce/apex/ConsoleLogController.decideStaged';

const COLUMNS = [
  {
    label: 'Held since',
    fieldName: 'createdDate',
    type: 'date',
    typeAttributes: { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' }
  },
  { label: 'User', fieldName: 'userName', type: 'text' },
  { label: 'Operation', fieldName: 'operation', type: 'text' },
  { label: 'Why held', fieldName: 'error', type: 'text', wrapText: true }
];

/**
 * Staged deprovisioning: events the deprovisioning guard held back. The admin selects some, gives a reason and
 * approves (they are sent) or rejects (they are closed) them.
 */
export default class StagedEvents extends LightningElement {
  /** DeveloperName of the ProvisioningTarget__mdt record. */
  @api targetName;

  columns = COLUMNS;
  events;
  error;
  decisionError;
  status;
  reason = '';
  selectedIds = [];
  wiredEvents;
  isDeciding = false;

  @wire(getStagedEvents, { targetName: '$targetName' })
  wireEvents(result) {
    this.wiredEvents = result;
    if (result.data) {
      this.events = result.data;
      this.error = undefined;
    } else if (result.error) {
      this.events = undefined;
      this.error = result.error;
    }
  }

  get isLoading() {
    return !this.events && !this.error;
  }

  get isEmpty() {
    return Array.isArray(this.events) && this.events.length === 0;
  }

  get decisionDisabled() {
    return this.selectedIds.length === 0 || !this.reason.trim() || this.isDeciding;
  }

  get selectionLabel() {
    return `${this.selectedIds.length} of ${this.events.length} selected`;
  }

  handleSelection(event) {
    this.selectedIds = event.detail.selectedRows.map((row) => row.id);
  }

  handleReason(event) {
    this.reason = event.detail.value || '';
  }

  handleApprove() {
    return this.decide(true);
  }

  handleReject() {
    return this.decide(false);
  }

  async decide(approve) {
    this.isDeciding = true;
    this.decisionError = undefined;
    this.status = undefined;
    try {
      const count = await decideStaged({ eventIds: this.selectedIds, approve, reason: this.reason.trim() });
      this.status = `${count} event${count === 1 ? '' : 's'} ${approve ? 'approved and queued' : 'rejected'}.`;
      this.selectedIds = [];
      this.reason = '';
      await refreshApex(this.wiredEvents);
    } catch (error) {
      this.decisionError = error;
    } finally {
      this.isDeciding = false;
    }
  }
}
