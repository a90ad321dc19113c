import { createElement } from 'lwc';
import StagedEvents from 'c/stagedEvents';
import getStagedEvents from '@salesforce/apex/ConsoleLogController.getStagedEvents';
import decideStaged from '@salesforce/apex/ConsoleLogController.decideStaged';

const STAGED = require('./data/staged.json');

jest.mock(
  '@salesforce/apex/ConsoleLogController.getStagedEvents',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/ConsoleLogController.decideStaged', () => ({ default: jest.fn() }), { virtual: true });

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderWith(data) {
  const element = createElement('c-staged-events', { is: StagedEvents });
  element.targetName = 'Slack';
  document.body.appendChild(element);
  getStagedEvents.emit(data);
  await Promise.resolve();
  return element;
}

async function selectAndGiveReason(element, reason) {
  element.shadowRoot
    .querySelector('lightning-datatable')
    .dispatchEvent(new CustomEvent('rowselection', { detail: { selectedRows: STAGED } }));
  element.shadowRoot
    .querySelector('lightning-textarea')
    .dispatchEvent(new CustomEvent('change', { detail: { value: reason } }));
  await Promise.resolve();
}

describe('c-staged-events', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('needs a selection and a reason before a decision, then approves', async () => {
    decideStaged.mockResolvedValue(2);
    const element = await renderWith(STAGED);
    const approve = element.shadowRoot.querySelector('lightning-button.approve');
    expect(approve.disabled).toBe(true);

    await selectAndGiveReason(element, '  Planned leavers batch, HR ticket 4711 ');
    expect(approve.disabled).toBe(false);
    expect(element.shadowRoot.querySelector('.selection').textContent).toBe('2 of 2 selected');

    approve.click();
    await flushPromises();
    expect(decideStaged).toHaveBeenCalledWith({
      eventIds: ['a01000000000001AAA', 'a01000000000002AAA'],
      approve: true,
      reason: 'Planned leavers batch, HR ticket 4711'
    });
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('2 events approved and queued.');
    await expect(element).toBeAccessible();
  });

  it('rejects with the reason', async () => {
    decideStaged.mockResolvedValue(1);
    const element = await renderWith(STAGED);
    await selectAndGiveReason(element, 'Mass deactivation was a mistake');
    element.shadowRoot.querySelector('lightning-button.reject').click();
    await flushPromises();
    expect(decideStaged.mock.calls[0][0].approve).toBe(false);
    expect(element.shadowRoot.querySelector('.status').textContent).toBe('1 event rejected.');
    await expect(element).toBeAccessible();
  });

  it('says nothing is held when the guard stopped nothing', async () => {
    const element = await renderWith([]);
    expect(element.shadowRoot.querySelector('.empty').textContent).toContain('Nothing is held');
    expect(element.shadowRoot.querySelector('lightning-datatable')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('shows load and decision failures in the error panel', async () => {
    decideStaged.mockRejectedValue({ body: { message: 'Event a01000000000001AAA is no longer staged.' } });
    const element = await renderWith(STAGED);
    await selectAndGiveReason(element, 'ok');
    element.shadowRoot.querySelector('lightning-button.approve').click();
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('The decision was not recorded.');

    getStagedEvents.error({ message: 'No access' });
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe(
      'Staged events could not be loaded.'
    );
    await expect(element).toBeAccessible();
  });
});
