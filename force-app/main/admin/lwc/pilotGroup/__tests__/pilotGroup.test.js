import { createElement } from 'lwc';
import PilotGroup from 'c/pilotGroup';
import LightningConfirm from 'lightning/confirm';
import getPilot from '@salesforce/apex/ConsolePilotController.getPilot';
import addPilotMember from '@salesforce/apex/ConsolePilotController.addPilotMember';
import removePilotMember from '@salesforce/apex/ConsolePilotController.removePilotMember';
import promoteToLive from '@salesforce/apex/ConsolePilotController.promoteToLive';

const PILOT = require('./data/pilot.json');

jest.mock(
  '@salesforce/apex/ConsolePilotController.getPilot',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/ConsolePilotController.addPilotMember', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/ConsolePilotController.removePilotMember', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/ConsolePilotController.promoteToLive', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/ConsolePreviewController.searchUsers', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('lightning/confirm', () => ({ __esModule: true, default: { open: jest.fn() } }));

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderWith(pilot) {
  const element = createElement('c-pilot-group', { is: PilotGroup });
  element.targetName = 'Slack';
  document.body.appendChild(element);
  getPilot.emit(pilot);
  await Promise.resolve();
  return element;
}

describe('c-pilot-group', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('lists members with their state and the met checklist', async () => {
    const element = await renderWith(PILOT);
    expect(getPilot.getLastConfig()).toEqual({ targetName: 'Slack' });
    expect(element.shadowRoot.querySelector('lightning-datatable.members').data).toHaveLength(2);
    const icons = [...element.shadowRoot.querySelectorAll('.checklist lightning-icon')];
    expect(icons.map((icon) => icon.alternativeText)).toEqual(['Met', 'Met', 'Met']);
    expect(element.shadowRoot.querySelector('lightning-button.promote').disabled).toBe(false);
    await expect(element).toBeAccessible();
  });

  it('adds a member picked in the search', async () => {
    addPilotMember.mockResolvedValue(undefined);
    const element = await renderWith(PILOT);
    element.shadowRoot
      .querySelector('c-user-search')
      .dispatchEvent(new CustomEvent('select', { detail: { userId: '005000000000003AAA', name: 'Grace Hopper' } }));
    await flushPromises();
    expect(addPilotMember).toHaveBeenCalledWith({ targetName: 'Slack', userId: '005000000000003AAA' });
    expect(element.shadowRoot.querySelector('.status').textContent).toContain('Grace Hopper was added');
    await expect(element).toBeAccessible();
  });

  it('removes a member from the row action', async () => {
    removePilotMember.mockResolvedValue(undefined);
    const element = await renderWith(PILOT);
    element.shadowRoot
      .querySelector('lightning-datatable')
      .dispatchEvent(new CustomEvent('rowaction', { detail: { action: { name: 'remove' }, row: PILOT.members[1] } }));
    await flushPromises();
    expect(removePilotMember).toHaveBeenCalledWith({ targetName: 'Slack', userId: '005000000000002AAA' });
    expect(element.shadowRoot.querySelector('.status').textContent).toContain('Alan Turing was removed');
    await expect(element).toBeAccessible();
  });

  it('promotes to live after confirmation', async () => {
    LightningConfirm.open.mockResolvedValue(true);
    promoteToLive.mockResolvedValue({ jobId: '0Af000000000077' });
    const element = await renderWith(PILOT);
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);
    element.shadowRoot.querySelector('lightning-button.promote').click();
    await flushPromises();
    expect(promoteToLive).toHaveBeenCalledWith({ targetName: 'Slack' });
    expect(element.shadowRoot.querySelector('.status').textContent).toContain('0Af000000000077');
    expect(refresh).toHaveBeenCalled();
    await expect(element).toBeAccessible();
  });

  it('keeps promotion disabled while the checklist is not met, and shows an empty group', async () => {
    const element = await renderWith({
      ...PILOT,
      members: [],
      canPromote: false,
      checklist: [
        { key: 'duration', label: 'Pilot ran at least 48 hours', passed: false, detail: 'Running for 3 hours' }
      ]
    });
    expect(element.shadowRoot.querySelector('.empty').textContent).toContain('No pilot members yet');
    expect(element.shadowRoot.querySelector('.checklist lightning-icon').alternativeText).toBe('Not met');
    expect(element.shadowRoot.querySelector('lightning-button.promote').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('does not ask the console to refresh when the promotion is refused', async () => {
    LightningConfirm.open.mockResolvedValue(true);
    promoteToLive.mockRejectedValue({ body: { message: 'The pilot checklist is not met: 2 failed.' } });
    const element = await renderWith(PILOT);
    const refresh = jest.fn();
    element.addEventListener('refresh', refresh);
    element.shadowRoot.querySelector('lightning-button.promote').click();
    await flushPromises();
    expect(refresh).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('c-error-panel').errors.body.message).toContain('checklist');
    await expect(element).toBeAccessible();
  });

  it('shows load and action failures in the error panel', async () => {
    addPilotMember.mockRejectedValue({ body: { message: 'Ada is inactive' } });
    const element = await renderWith(PILOT);
    element.shadowRoot
      .querySelector('c-user-search')
      .dispatchEvent(new CustomEvent('select', { detail: { userId: '005000000000001AAA', name: 'Ada' } }));
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('That did not work.');

    getPilot.error({ message: 'No access' });
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe(
      'The pilot group could not be loaded.'
    );
    await expect(element).toBeAccessible();
  });
});
