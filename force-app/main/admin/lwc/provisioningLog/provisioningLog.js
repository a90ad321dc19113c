import { LightningElement, api } from 'lwc';
import getLogPage from '@salesforce/apex/ConsoleLogController.getLogPage';
import getEventDetail from '@salesforce/apex/ConsoleLogController.getEventDetail';
import retryEvent from '@salesforce/apex/ConsoleLogController.retryEvent';
import exportLogCsv from '@salesforce/apex/ConsoleLogController.exportLogCsv';

const ANY = '';
const OPERATIONS = [
  'Create',
  'Update',
  'Deactivate',
  'Reactivate',
  'Suspend',
  'Link',
  'Delete',
  'GroupMembership',
  'Reconcile'
];
const STATES = ['Queued', 'Sent', 'Succeeded', 'Failed', 'Retrying', 'Staged', 'SkippedByPilot', 'DryRun', 'Rejected'];
const RETRYABLE_STATES = ['Failed', 'Rejected'];
const DEFAULT_SPAN_HOURS = 48;

const COLUMNS = [
  {
    label: 'Time',
    fieldName: 'createdDate',
    type: 'date',
    initialWidth: 170,
    typeAttributes: { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }
  },
  { label: 'User', fieldName: 'userName', type: 'text' },
  { label: 'Target', fieldName: 'target', type: 'text', initialWidth: 120 },
  { label: 'Operation', fieldName: 'operation', type: 'text', initialWidth: 120 },
  {
    label: 'State',
    fieldName: 'state',
    type: 'text',
    initialWidth: 130,
    cellAttributes: { class: { fieldName: 'stateClass' } }
  },
  { label: 'HTTP', fieldName: 'httpStatus', type: 'number', initialWidth: 80 },
  { label: 'Attempt', fieldName: 'attempt', type: 'number', initialWidth: 90 },
  { type: 'action', typeAttributes: { rowActions: { fieldName: 'actions' } } }
];

const options = (values, anyLabel) => [
  { label: anyLabel, value: ANY },
  ...values.map((value) => ({ label: value, value }))
];

/**
 * The provisioning log: server-side filtered and paged (keyset cursor, never the whole table in the browser),
 * loaded further as the admin scrolls; row detail with the redacted request and response, retry of a failed event,
 * CSV export of the filtered log.
 */
export default class ProvisioningLog extends LightningElement {
  /** DeveloperName of the target selected in the console; the default of the target filter. */
  @api
  get targetName() {
    return this._targetName;
  }
  set targetName(value) {
    this._targetName = value;
    this.filter = { ...this.filter, targetName: value || ANY };
    if (this.connected) {
      this.search();
    }
  }
  /** All targets, for the target filter. */
  @api targets = [];

  columns = COLUMNS;
  operationOptions = options(OPERATIONS, 'Any operation');
  stateOptions = options(STATES, 'Any state');
  filter = { targetName: ANY, userQuery: '', correlationId: '', operation: ANY, state: ANY, fromDate: '', toDate: '' };
  rows = [];
  cursor;
  hasMore = false;
  isLoading = false;
  loaded = false;
  error;
  detail;
  detailError;
  status;
  connected = false;
  requestSequence = 0;

  connectedCallback() {
    this.connected = true;
    if (!this.filter.fromDate) {
      this.filter = { ...this.filter, fromDate: new Date(Date.now() - DEFAULT_SPAN_HOURS * 3600 * 1000).toISOString() };
    }
    this.search();
  }

  disconnectedCallback() {
    this.connected = false;
  }

  get targetOptions() {
    return [
      { label: 'All targets', value: ANY },
      ...(this.targets || []).map((target) => ({ label: target.label, value: target.name }))
    ];
  }

  get isEmpty() {
    return this.loaded && !this.error && this.rows.length === 0;
  }

  get summary() {
    return `${this.rows.length} event${this.rows.length === 1 ? '' : 's'} shown${this.hasMore ? ', scroll for more' : ''}`;
  }

  get apexFilter() {
    const filter = {};
    Object.entries(this.filter).forEach(([key, value]) => {
      if (value !== ANY && value !== null && value !== undefined) {
        filter[key] = value;
      }
    });
    return filter;
  }

  handleFilterChange(event) {
    this.filter = { ...this.filter, [event.target.name]: event.detail.value || ANY };
  }

  handleKeyUp(event) {
    if (event.key === 'Enter') {
      this.search();
    }
  }

  handleSearch() {
    this.search();
  }

  async search() {
    this.rows = [];
    this.cursor = undefined;
    this.hasMore = false;
    this.detail = undefined;
    await this.loadPage();
  }

  async handleLoadMore() {
    if (this.hasMore && !this.isLoading) {
      await this.loadPage();
    }
  }

  async loadPage() {
    const sequence = ++this.requestSequence;
    this.isLoading = true;
    this.error = undefined;
    try {
      const page = await getLogPage({ filter: this.apexFilter, cursor: this.cursor || null });
      if (sequence !== this.requestSequence) {
        return;
      }
      this.rows = [...this.rows, ...(page.rows || []).map(decorate)];
      this.cursor = page.nextCursor;
      this.hasMore = Boolean(page.hasMore);
    } catch (error) {
      if (sequence === this.requestSequence) {
        this.error = error;
        this.hasMore = false;
      }
    } finally {
      if (sequence === this.requestSequence) {
        this.isLoading = false;
        this.loaded = true;
      }
    }
  }

  async handleRowAction(event) {
    const { action, row } = event.detail;
    if (action.name === 'detail') {
      await this.openDetail(row.id);
    } else if (action.name === 'retry') {
      await this.retry(row);
    }
  }

  async openDetail(eventId) {
    this.detail = undefined;
    this.detailError = undefined;
    try {
      this.detail = await getEventDetail({ eventId });
    } catch (error) {
      this.detailError = error;
    }
  }

  handleCloseDetail() {
    this.detail = undefined;
    this.detailError = undefined;
  }

  async retry(row) {
    this.status = undefined;
    this.error = undefined;
    try {
      const retried = await retryEvent({ eventId: row.id });
      this.status = `Retry queued for ${row.userName} (${row.operation}) as a new event, state ${retried.state}.`;
      await this.search();
    } catch (error) {
      this.error = error;
    }
  }

  async handleExport() {
    this.status = undefined;
    this.error = undefined;
    try {
      const result = await exportLogCsv({ filter: this.apexFilter });
      const link = document.createElement('a');
      link.href = `data:text/csv;charset=utf-8,${encodeURIComponent(result.csv)}`;
      link.download = result.fileName;
      link.click();
      this.status = result.truncated
        ? `Exported the newest ${result.rowCount} events; narrow the filters to export the rest.`
        : `Exported ${result.rowCount} events.`;
    } catch (error) {
      this.error = error;
    }
  }
}

function decorate(row) {
  const actions = [{ label: 'View details', name: 'detail' }];
  if (RETRYABLE_STATES.includes(row.state)) {
    actions.push({ label: 'Retry', name: 'retry' });
  }
  return {
    ...row,
    actions,
    stateClass:
      row.state === 'Failed' ? 'slds-text-color_error' : row.state === 'Succeeded' ? 'slds-text-color_success' : ''
  };
}
