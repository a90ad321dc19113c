import { createElement } from 'lwc';
import MappingEditor, { DEPLOY_CHANNEL, VALIDATE_DELAY_MS } from 'c/mappingEditor';
import { subscribe } from 'lightning/empApi';
import getRules from '@salesforce/apex/ConsoleMappingController.getRules';
import validateRule from '@salesforce/apex/ConsoleMappingController.validateRule';
import saveRules from '@salesforce/apex/ConsoleMappingController.saveRules';

const RULES = require('./data/rules.json');

jest.mock(
  '@salesforce/apex/ConsoleMappingController.getRules',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/ConsoleMappingController.validateRule', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/ConsoleMappingController.saveRules', () => ({ default: jest.fn() }), { virtual: true });

// Five microtask turns: enough for an awaited Apex mock, the re-render and a refreshApex.
const flushPromises = () => [1, 2, 3, 4, 5].reduce((chain) => chain.then(() => undefined), Promise.resolve());

async function renderWith(rules) {
  const element = createElement('c-mapping-editor', { is: MappingEditor });
  element.targetName = 'Slack';
  document.body.appendChild(element);
  getRules.emit(rules);
  await flushPromises();
  return element;
}

async function edit(element, selector, index, value) {
  const input = element.shadowRoot.querySelectorAll(selector)[index];
  input.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
  jest.advanceTimersByTime(VALIDATE_DELAY_MS);
  await flushPromises();
}

const saveButton = (element) => element.shadowRoot.querySelector('lightning-button.save');

describe('c-mapping-editor', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the rules with labelled inputs and nothing to save yet', async () => {
    const element = await renderWith(RULES);
    expect(getRules.getLastConfig()).toEqual({ targetName: 'Slack' });
    const paths = [...element.shadowRoot.querySelectorAll('lightning-input.path')];
    expect(paths.map((input) => input.value)).toEqual(['userName', 'emails[type eq "work"].value']);
    expect(paths[1].label).toBe('Target path, rule 2');
    expect(saveButton(element).disabled).toBe(true);
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('validates as the admin types and blocks save while an issue is open', async () => {
    validateRule.mockResolvedValueOnce([
      { field: 'SourceExpression__c', position: 6, message: "Unknown function 'Lowr'" }
    ]);
    const element = await renderWith(RULES);
    await edit(element, 'lightning-input.expression', 0, 'Lowr(Username)');

    expect(validateRule).toHaveBeenCalledWith({ scimPath: 'userName', expression: 'Lowr(Username)' });
    const issues = [...element.shadowRoot.querySelectorAll('.issue')].map((issue) => issue.textContent);
    expect(issues).toEqual(["Unknown function 'Lowr' (at character 7)"]);
    expect(element.shadowRoot.querySelector('.issue-summary').textContent).toBe('1 issue to fix before saving.');
    expect(saveButton(element).disabled).toBe(true);

    validateRule.mockResolvedValueOnce([]);
    await edit(element, 'lightning-input.expression', 0, 'Lower(Username)');
    expect(element.shadowRoot.querySelectorAll('.issue')).toHaveLength(0);
    expect(saveButton(element).disabled).toBe(false);
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('saves, deploys and reports the deployment result from the callback event', async () => {
    validateRule.mockResolvedValue([]);
    saveRules.mockResolvedValue({ jobId: '0Af000000000042' });
    let deliver;
    subscribe.mockImplementation((channel, replayId, callback) => {
      deliver = callback;
      return Promise.resolve({ channel });
    });
    const element = await renderWith(RULES);
    element.shadowRoot.querySelector('lightning-button.add').click();
    await flushPromises();
    const lastPath = element.shadowRoot.querySelectorAll('lightning-input.path').length - 1;
    await edit(element, 'lightning-input.path', lastPath, 'displayName');
    await edit(element, 'lightning-input.expression', lastPath, "FirstName & ' ' & LastName");
    element.shadowRoot.querySelectorAll('lightning-button-icon.remove')[1].click();
    await flushPromises();

    saveButton(element).click();
    await flushPromises();

    expect(subscribe.mock.calls[0][0]).toBe(DEPLOY_CHANNEL);
    const { targetName, rules } = saveRules.mock.calls[0][0];
    expect(targetName).toBe('Slack');
    expect(rules.map((rule) => [rule.name, rule.scimPath, rule.active])).toEqual([
      ['Slack_userName', 'userName', true],
      ['Slack_email', 'emails[type eq "work"].value', false],
      [undefined, 'displayName', true]
    ]);
    expect(element.shadowRoot.querySelector('.deploy-label').textContent).toContain('0Af000000000042');
    expect(saveButton(element).disabled).toBe(true);

    deliver({ data: { payload: { JobId__c: 'another job', Success__c: false } } });
    deliver({
      data: {
        payload: { JobId__c: '0Af000000000042', Success__c: true, ComponentsDeployed__c: 3, ComponentsTotal__c: 3 }
      }
    });
    await flushPromises();
    expect(element.shadowRoot.querySelector('.deploy-label').textContent).toBe('Deployed 3 of 3 rule records.');
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('shows a failed deployment with its message', async () => {
    validateRule.mockResolvedValue([]);
    saveRules.mockResolvedValue({ jobId: '0Af000000000043' });
    let deliver;
    subscribe.mockImplementation((channel, replayId, callback) => {
      deliver = callback;
      return Promise.resolve({ channel });
    });
    const element = await renderWith(RULES);
    await edit(element, 'lightning-input.path', 1, 'emails[type eq "home"].value');
    saveButton(element).click();
    await flushPromises();
    deliver({
      data: {
        payload: {
          JobId__c: '0Af000000000043',
          Success__c: false,
          Status__c: 'Failed',
          Message__c: 'ProvisioningRule.Slack_email: Target path is required'
        }
      }
    });
    await flushPromises();
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.friendlyMessage).toBe('The mapping was not saved.');
    expect(panel.errors.message).toBe('ProvisioningRule.Slack_email: Target path is required');
    expect(element.shadowRoot.querySelector('.deploy-label').textContent).toBe('The deployment failed.');
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('shows a save refused by Apex in the error panel', async () => {
    validateRule.mockResolvedValue([]);
    saveRules.mockRejectedValue({ body: { message: 'The mapping has no rule for userName.' } });
    const element = await renderWith(RULES);
    await edit(element, 'lightning-input.path', 0, 'nickName');
    saveButton(element).click();
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').errors.body.message).toBe(
      'The mapping has no rule for userName.'
    );
    expect(element.shadowRoot.querySelector('.deploy-label')).toBeNull();
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('discards unsaved edits back to the saved rules', async () => {
    validateRule.mockResolvedValue([]);
    const element = await renderWith(RULES);
    await edit(element, 'lightning-input.path', 0, 'nickName');
    expect(saveButton(element).disabled).toBe(false);
    element.shadowRoot.querySelector('lightning-button.add').click();
    await flushPromises();
    expect(element.shadowRoot.querySelectorAll('lightning-input.path')).toHaveLength(3);

    element.shadowRoot.querySelector('lightning-button.reset').click();
    await flushPromises();
    const paths = [...element.shadowRoot.querySelectorAll('lightning-input.path')].map((input) => input.value);
    expect(paths).toEqual(['userName', 'emails[type eq "work"].value']);
    expect(saveButton(element).disabled).toBe(true);
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('invites the first rule when the mapping is empty, and shows load errors', async () => {
    const element = await renderWith([]);
    expect(element.shadowRoot.querySelector('.empty').textContent).toContain('no mapping rules yet');
    expect(element.shadowRoot.querySelector('table')).toBeNull();

    getRules.error({ message: 'Insufficient privileges' });
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('The mapping could not be loaded.');
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });
});
