import { createElement } from 'lwc';
import ProvisioningLog from 'c/provisioningLog';
import getLogPage from '@salesforce/apex/ConsoleLogController.getLogPage';
import getEventDetail from '@salesforce/apex/ConsoleLogController.getEventDetail';
import retryEvent from '@salesforce/apex/ConsoleLogController.retryEvent';
import exportLogCsv from '@salesforce/apex/ConsoleLogController.exportLogCsv';

const PAGE = require('./data/page1.json');
const TARGETS = [
  { name: 'Slack', label: 'Slack' },
  { name: 'Zoom', label: 'Zoom' }
];

jest.mock('@salesforce/apex/ConsoleLogController.getLogPage', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/ConsoleLogController.getEventDetail', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/ConsoleLogController.retryEvent', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/ConsoleLogController.exportLogCsv', () => ({ default: jest.fn() }), { virtual: true });

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

async function render() {
  const element = createElement('c-provisioning-log', { is: ProvisioningLog });
  element.targetName = 'Slack';
  element.targets = TARGETS;
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

const table = (element) => element.shadowRoot.querySelector('lightning-datatable');
const rowAction = (element, name, row) =>
  table(element).dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name }, row } }));

function setFilter(element, name, value) {
  const input = [...element.shadowRoot.querySelectorAll('lightning-input, lightning-combobox')].find(
    (candidate) => candidate.name === name
  );
  input.dispatchEvent(new CustomEvent('change', { detail: { value } }));
}

describe('c-provisioning-log', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('loads the first page of the last 48 hours for the selected target', async () => {
    getLogPage.mockResolvedValue(PAGE);
    const before = Date.now();
    const element = await render();
    expect(getLogPage).toHaveBeenCalledTimes(1);
    const { filter, cursor } = getLogPage.mock.calls[0][0];
    expect(cursor).toBeNull();
    expect(filter.targetName).toBe('Slack');
    const spanHours = (before - Date.parse(filter.fromDate)) / 3600000;
    expect(spanHours).toBeGreaterThanOrEqual(47.9);
    expect(spanHours).toBeLessThanOrEqual(48.1);
    expect(Object.keys(filter).sort()).toEqual(['fromDate', 'targetName']);
    expect(table(element).data).toHaveLength(2);
    expect(table(element).enableInfiniteLoading).toBe(true);
    expect(table(element).data[1].actions.map((action) => action.name)).toEqual(['detail', 'retry']);
    expect(table(element).data[0].actions.map((action) => action.name)).toEqual(['detail']);
    await expect(element).toBeAccessible();
  });

  it('sends the filters to Apex and pages on with the cursor while scrolling', async () => {
    getLogPage.mockResolvedValue(PAGE);
    const element = await render();
    setFilter(element, 'userQuery', 'alan@example.com');
    setFilter(element, 'state', 'Failed');
    setFilter(element, 'targetName', '');
    element.shadowRoot.querySelector('lightning-button.search').click();
    await flushPromises();
    const { filter } = getLogPage.mock.calls[1][0];
    expect(filter.userQuery).toBe('alan@example.com');
    expect(filter.state).toBe('Failed');
    expect(filter.targetName).toBeUndefined();

    getLogPage.mockResolvedValue({ rows: [{ ...PAGE.rows[0], id: 'a01000000000013AAA' }], hasMore: false });
    table(element).dispatchEvent(new CustomEvent('loadmore'));
    await flushPromises();
    expect(getLogPage.mock.calls[2][0].cursor).toBe(PAGE.nextCursor);
    expect(table(element).data).toHaveLength(3);
    expect(table(element).enableInfiniteLoading).toBe(false);
    expect(element.shadowRoot.querySelector('.summary').textContent).toBe('3 events shown');
    await expect(element).toBeAccessible();
  });

  it('opens the redacted request and response of an event, and retries a failed one', async () => {
    getLogPage.mockResolvedValue(PAGE);
    getEventDetail.mockResolvedValue({
      ...PAGE.rows[1],
      request: '{"userName":"alan@example.com","password":"***"}',
      response: '{"status":"409","scimType":"uniqueness"}',
      error: 'uniqueness: userName exists'
    });
    retryEvent.mockResolvedValue({ id: 'a01000000000099AAA', state: 'Queued' });
    const element = await render();
    rowAction(element, 'detail', PAGE.rows[1]);
    await flushPromises();
    expect(getEventDetail).toHaveBeenCalledWith({ eventId: 'a01000000000012AAA' });
    expect(element.shadowRoot.querySelector('.request').textContent).toContain('"password":"***"');
    expect(element.shadowRoot.querySelector('.response').textContent).toContain('uniqueness');
    await expect(element).toBeAccessible();

    rowAction(element, 'retry', PAGE.rows[1]);
    await flushPromises();
    expect(retryEvent).toHaveBeenCalledWith({ eventId: 'a01000000000012AAA' });
    expect(element.shadowRoot.querySelector('.status').textContent).toContain('Retry queued for Alan Turing');
    expect(getLogPage).toHaveBeenCalledTimes(2);
  });

  it('exports the filtered log as CSV', async () => {
    getLogPage.mockResolvedValue(PAGE);
    exportLogCsv.mockResolvedValue({
      csv: 'Time,User\n1,Ada',
      fileName: 'provisioning-log.csv',
      rowCount: 5000,
      truncated: true
    });
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function recordClick() {
      this.dataset.clicked = 'yes';
    });
    const element = await render();
    element.shadowRoot.querySelector('lightning-button.export').click();
    await flushPromises();
    expect(exportLogCsv.mock.calls[0][0].filter.targetName).toBe('Slack');
    expect(click).toHaveBeenCalledTimes(1);
    const link = click.mock.contexts[0];
    expect(link.download).toBe('provisioning-log.csv');
    expect(decodeURIComponent(link.href)).toContain('Time,User\n1,Ada');
    expect(element.shadowRoot.querySelector('.status').textContent).toContain('newest 5000 events');
    click.mockRestore();
    await expect(element).toBeAccessible();
  });

  it('says so when no event matches', async () => {
    getLogPage.mockResolvedValue({ rows: [], hasMore: false });
    const element = await render();
    expect(element.shadowRoot.querySelector('.empty').textContent).toBe('No events match these filters.');
    expect(table(element)).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('shows a failed query in the error panel', async () => {
    getLogPage.mockRejectedValue({ body: { message: 'Invalid date range: From is after To.' } });
    const element = await render();
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.friendlyMessage).toBe('The provisioning log could not be loaded.');
    expect(panel.errors.body.message).toBe('Invalid date range: From is after To.');
    await expect(element).toBeAccessible();
  });
});
