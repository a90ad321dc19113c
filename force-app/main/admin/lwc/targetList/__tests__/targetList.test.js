import { createElement } from 'lwc';
import TargetList from 'c/targetList';
import LightningConfirm from 'lightning/confirm';
import setStage from '@salesforce/apex/ConsoleTargetController.setStage';

const TARGETS = require('../../provisioningConsole/__tests__/data/context.json').targets;

jest.mock('@salesforce/apex/ConsoleTargetController.setStage', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('lightning/confirm', () => ({ __esModule: true, default: { open: jest.fn() } }));

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

function render(targets) {
  const element = createElement('c-target-list', { is: TargetList });
  element.targets = targets;
  document.body.appendChild(element);
  return element;
}

function rowAction(element, name, row) {
  element.shadowRoot
    .querySelector('lightning-datatable')
    .dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name }, row } }));
}

describe('c-target-list', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('lists targets with stage, health and the other stages as actions', async () => {
    const element = render(TARGETS);
    const table = element.shadowRoot.querySelector('lightning-datatable');
    expect(table.data).toHaveLength(2);
    const zoom = table.data[1];
    expect(zoom.healthLabel).toBe('Degraded: 3 failures in a row');
    expect(zoom.healthIcon).toBe('utility:warning');
    expect(zoom.actions.map((action) => action.name)).toEqual(['open', 'stage:Pilot', 'stage:Live']);
    await expect(element).toBeAccessible();
  });

  it('moves a target to another stage only after confirmation', async () => {
    LightningConfirm.open.mockResolvedValue(true);
    setStage.mockResolvedValue({ jobId: '0Af000000000001' });
    const element = render(TARGETS);
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);

    rowAction(element, 'stage:Live', TARGETS[0]);
    await flushPromises();

    expect(LightningConfirm.open).toHaveBeenCalledWith(expect.objectContaining({ label: 'Move Slack to Live?' }));
    expect(setStage).toHaveBeenCalledWith({ targetName: 'Slack', stage: 'Live' });
    expect(element.shadowRoot.querySelector('.status').textContent).toContain('0Af000000000001');
    expect(refresh).toHaveBeenCalledTimes(1);
    await expect(element).toBeAccessible();
  });

  it('does nothing when the admin cancels, and opens a target on request', async () => {
    LightningConfirm.open.mockResolvedValue(false);
    const element = render(TARGETS);
    const open = jest.fn();
    element.addEventListener('opentarget', open);

    rowAction(element, 'stage:Pilot', TARGETS[1]);
    await flushPromises();
    expect(setStage).not.toHaveBeenCalled();

    rowAction(element, 'open', TARGETS[1]);
    expect(open.mock.calls[0][0].detail).toEqual({ targetName: 'Zoom' });
    await expect(element).toBeAccessible();
  });

  it('shows a refused stage change in the error panel', async () => {
    LightningConfirm.open.mockResolvedValue(true);
    setStage.mockRejectedValue({ body: { message: 'The pilot checklist is not met: no deactivation was tested.' } });
    const element = render(TARGETS);
    rowAction(element, 'stage:Live', TARGETS[0]);
    await flushPromises();
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.friendlyMessage).toBe('The stage was not changed.');
    expect(element.shadowRoot.querySelector('.status')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('says so when there is no target', async () => {
    const element = render([]);
    expect(element.shadowRoot.querySelector('.empty').textContent).toBe('No targets.');
    expect(element.shadowRoot.querySelector('lightning-datatable')).toBeNull();
    await expect(element).toBeAccessible();
  });
});
