import { createElement } from 'lwc';
import UserPreview from 'c/userPreview';
import previewUser from '@salesforce/apex/ConsolePreviewController.previewUser';
import provisionUser from '@salesforce/apex/ConsolePreviewController.provisionUser';

const PREVIEW = require('./data/preview.json');
const TRACE = require('./data/trace.json');
const ADA = { userId: '005000000000001AAA', name: 'Ada Lovelace', username: 'ada@example.com' };

jest.mock('@salesforce/apex/ConsolePreviewController.previewUser', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/ConsolePreviewController.provisionUser', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/ConsolePreviewController.searchUsers', () => ({ default: jest.fn() }), { virtual: true });

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));

async function renderAndPick() {
  const element = createElement('c-user-preview', { is: UserPreview });
  element.targetName = 'Slack';
  document.body.appendChild(element);
  element.shadowRoot.querySelector('c-user-search').dispatchEvent(new CustomEvent('select', { detail: ADA }));
  await flushPromises();
  return element;
}

describe('c-user-preview', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('invites a pick before anything is loaded', async () => {
    const element = createElement('c-user-preview', { is: UserPreview });
    document.body.appendChild(element);
    expect(element.shadowRoot.querySelector('.empty').textContent).toContain('Pick a user');
    expect(previewUser).not.toHaveBeenCalled();
    await expect(element).toBeAccessible();
  });

  it('shows the SCIM payload and the PatchOp for the picked user', async () => {
    previewUser.mockResolvedValue(PREVIEW);
    const element = await renderAndPick();
    expect(previewUser).toHaveBeenCalledWith({ targetName: 'Slack', userId: '005000000000001AAA' });
    expect(element.shadowRoot.querySelector('.preview-title').textContent).toBe('Ada Lovelace');
    expect(element.shadowRoot.querySelector('.operation').textContent).toBe('Would update account U024BE7LH');
    expect(element.shadowRoot.querySelector('.payload').textContent).toContain('"userName" : "ada@example.com"');
    const patchRows = [...element.shadowRoot.querySelectorAll('.patch tbody tr')].map((row) => row.textContent);
    expect(patchRows).toEqual(['replacetitle"Countess"', 'removenickNamenull']);
    expect(element.shadowRoot.querySelector('lightning-button.provision').disabled).toBe(false);
    await expect(element).toBeAccessible();
  });

  it('provisions the user now and shows the step trace', async () => {
    previewUser.mockResolvedValue(PREVIEW);
    provisionUser.mockResolvedValue(TRACE);
    const element = await renderAndPick();
    element.shadowRoot.querySelector('lightning-button.provision').click();
    await flushPromises();
    expect(provisionUser).toHaveBeenCalledWith({ targetName: 'Slack', userId: '005000000000001AAA' });
    expect(element.shadowRoot.querySelector('.trace-state').textContent).toBe('Succeeded');
    const steps = [...element.shadowRoot.querySelectorAll('.step')];
    expect(steps).toHaveLength(4);
    expect(steps[1].textContent).toContain('PATCH /Users/U024BE7LH');
    expect(steps[3].querySelector('lightning-icon').alternativeText).toBe('Done');
    await expect(element).toBeAccessible();
  });

  it('clears the preview when another target is selected', async () => {
    previewUser.mockResolvedValue(PREVIEW);
    const element = await renderAndPick();
    expect(element.shadowRoot.querySelector('.payload')).not.toBeNull();
    element.targetName = 'Zoom';
    await flushPromises();
    expect(element.shadowRoot.querySelector('.payload')).toBeNull();
    expect(element.shadowRoot.querySelector('.empty')).not.toBeNull();
    await expect(element).toBeAccessible();
  });

  it('blocks provisioning when the mapping has errors for this user', async () => {
    previewUser.mockResolvedValue({
      ...PREVIEW,
      operation: 'Create',
      patchOperations: [],
      errors: ['Rule userName is required but Lower(FederationIdentifier) is blank']
    });
    const element = await renderAndPick();
    expect(element.shadowRoot.querySelector('.mapping-errors').textContent).toContain('is required');
    expect(element.shadowRoot.querySelector('.operation').textContent).toBe('Would create a new account');
    expect(element.shadowRoot.querySelector('.patch')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-button.provision').disabled).toBe(true);
    await expect(element).toBeAccessible();
  });

  it('says why nothing would be sent and shows the engine decision', async () => {
    previewUser.mockResolvedValue({
      ...PREVIEW,
      state: 'SkippedByPilot',
      steps: ['User is not in the pilot group', 'Nothing to do']
    });
    const element = await renderAndPick();
    expect(element.shadowRoot.querySelector('.operation').textContent).toBe('Nothing would be sent: SkippedByPilot');
    const lines = [...element.shadowRoot.querySelectorAll('.decision li')].map((li) => li.textContent);
    expect(lines).toEqual(['User is not in the pilot group', 'Nothing to do']);
    await expect(element).toBeAccessible();
  });

  it('shows preview and provisioning failures in the error panel', async () => {
    previewUser.mockRejectedValueOnce({ body: { message: 'Unknown target Slack' } });
    const element = await renderAndPick();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('The preview failed.');

    previewUser.mockResolvedValue(PREVIEW);
    provisionUser.mockRejectedValue({ body: { message: 'Target is quarantined until 23:00' } });
    element.shadowRoot.querySelector('c-user-search').dispatchEvent(new CustomEvent('select', { detail: ADA }));
    await flushPromises();
    element.shadowRoot.querySelector('lightning-button.provision').click();
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('Provisioning did not run.');
    expect(element.shadowRoot.querySelector('.trace')).toBeNull();
    await expect(element).toBeAccessible();
  });
});
