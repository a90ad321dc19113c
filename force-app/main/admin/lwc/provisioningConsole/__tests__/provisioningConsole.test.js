import { createElement } from 'lwc';
import ProvisioningConsole from 'c/provisioningConsole';
import getConsoleContext from '@salesforce/apex/ConsoleTargetController.getConsoleContext';

const CONTEXT = require('./data/context.json');

jest.mock(
  '@salesforce/apex/ConsoleTargetController.getConsoleContext',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock(
  '@salesforce/apex/ConsoleTargetController.getHealth',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock(
  '@salesforce/apex/ConsoleMappingController.getRules',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock(
  '@salesforce/apex/ConsolePilotController.getPilot',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock(
  '@salesforce/apex/ConsoleLogController.getStagedEvents',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock(
  '@salesforce/apex/ConsoleLogController.getLogPage',
  () => ({ default: jest.fn().mockResolvedValue({ rows: [], hasMore: false }) }),
  { virtual: true }
);

function render() {
  const element = createElement('c-provisioning-console', { is: ProvisioningConsole });
  document.body.appendChild(element);
  return element;
}

describe('c-provisioning-console', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows a spinner until the context arrives', async () => {
    const element = render();
    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('offers every target and hands the selected one to each view', async () => {
    const element = render();
    getConsoleContext.emit(CONTEXT);
    await Promise.resolve();

    const picker = element.shadowRoot.querySelector('lightning-combobox.target-picker');
    expect(picker.options).toEqual([
      { label: 'Slack (Pilot)', value: 'Slack' },
      { label: 'Zoom (Dry run)', value: 'Zoom' }
    ]);
    expect(picker.value).toBe('Slack');
    const tabs = [...element.shadowRoot.querySelectorAll('lightning-tab')].map((tab) => tab.label);
    expect(tabs).toEqual([
      'Targets',
      'Mapping',
      'Preview & provision',
      'Pilot group',
      'Provisioning log',
      'Staged deprovisioning',
      'Health'
    ]);
    expect(element.shadowRoot.querySelector('c-mapping-editor').targetName).toBe('Slack');

    picker.dispatchEvent(new CustomEvent('change', { detail: { value: 'Zoom' } }));
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-mapping-editor').targetName).toBe('Zoom');
    expect(element.shadowRoot.querySelector('c-target-health').targetName).toBe('Zoom');

    element.shadowRoot
      .querySelector('c-target-list')
      .dispatchEvent(new CustomEvent('opentarget', { detail: { targetName: 'Slack' } }));
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-user-preview').targetName).toBe('Slack');
    await expect(element).toBeAccessible();
  });

  it('shows a clear no-access state and loads no view without the permission', async () => {
    const element = render();
    getConsoleContext.emit({ hasAccess: false, targets: [] });
    await Promise.resolve();
    const box = element.shadowRoot.querySelector('.no-access');
    expect(box.textContent).toContain("You don't have access to User Provisioning");
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('explains what to do when there is no target', async () => {
    const element = render();
    getConsoleContext.emit({ hasAccess: true, targets: [] });
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('.no-targets').textContent).toContain('No provisioning targets yet');
    expect(element.shadowRoot.querySelector('lightning-combobox')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('shows a load failure in the error panel', async () => {
    const element = render();
    getConsoleContext.error({ message: 'Server unavailable' });
    await Promise.resolve();
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.friendlyMessage).toBe('The console could not load.');
    expect(element.shadowRoot.querySelector('lightning-tabset')).toBeNull();
    await expect(element).toBeAccessible();
  });
});
