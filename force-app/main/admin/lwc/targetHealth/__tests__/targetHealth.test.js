import { createElement } from 'lwc';
import TargetHealth from 'c/targetHealth';
import getHealth from '@salesforce/apex/ConsoleTargetController.getHealth';
import testConnection from '@salesforce/apex/ConsoleTargetController.testConnection';
import resetGuard from '@salesforce/apex/ConsoleTargetController.resetGuard';

const HEALTH = require('./data/health.json');

jest.mock(
  '@salesforce/apex/ConsoleTargetController.getHealth',
  () => {
    const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
    return { default: createApexTestWireAdapter(jest.fn()) };
  },
  { virtual: true }
);
jest.mock('@salesforce/apex/ConsoleTargetController.testConnection', () => ({ default: jest.fn() }), {
  virtual: true
});
jest.mock('@salesforce/apex/ConsoleTargetController.resetGuard', () => ({ default: jest.fn() }), { virtual: true });

// eslint-disable-next-line @lwc/lwc/no-async-operation
const flushPromises = () => new Promise((resolve) => setTimeout(resolve, 0));
const text = (element, selector) => element.shadowRoot.querySelector(selector).textContent;

function render() {
  const element = createElement('c-target-health', { is: TargetHealth });
  element.targetName = 'Slack';
  document.body.appendChild(element);
  return element;
}

describe('c-target-health', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows failure rate, credential idle time, guard and quarantine', async () => {
    const element = render();
    getHealth.emit(HEALTH);
    await Promise.resolve();
    expect(getHealth.getLastConfig()).toEqual({ targetName: 'Slack' });
    expect(text(element, '.failure-rate')).toBe('5% (2 of 40 in 24 h)');
    expect(text(element, '.credential')).toContain('Idle for 41 days');
    expect(text(element, '.credential-warning')).toContain('Refresh tokens expire');
    expect(text(element, '.guard')).toContain('Tripped');
    expect(text(element, '.quarantine')).toBe('Not quarantined');
    expect(text(element, '.last-error')).toBe('HTTP 503 from the target');
    expect(element.shadowRoot.querySelector('.last-success lightning-formatted-date-time').value).toBe(
      HEALTH.lastSuccessAt
    );
    await expect(element).toBeAccessible();
  });

  it('tests the connection and reports the result', async () => {
    testConnection.mockResolvedValue({ ok: true, message: 'Connected: HTTP 200 in 85 ms, PATCH supported.' });
    const element = render();
    getHealth.emit(HEALTH);
    await Promise.resolve();
    element.shadowRoot.querySelector('lightning-button.test-connection').click();
    await flushPromises();
    expect(testConnection).toHaveBeenCalledWith({ targetName: 'Slack' });
    expect(text(element, '.connection')).toBe('Connected: HTTP 200 in 85 ms, PATCH supported.');
    await expect(element).toBeAccessible();
  });

  it('re-arms a tripped guard', async () => {
    resetGuard.mockResolvedValue(undefined);
    const element = render();
    getHealth.emit(HEALTH);
    await Promise.resolve();
    element.shadowRoot.querySelector('lightning-button.reset-guard').click();
    await flushPromises();
    expect(resetGuard).toHaveBeenCalledWith({ targetName: 'Slack' });
    expect(text(element, '.guard-status')).toBe('The deprovisioning guard is armed again.');
    await expect(element).toBeAccessible();
  });

  it('shows a refused guard reset in the error panel', async () => {
    resetGuard.mockRejectedValue({ body: { message: 'Unknown provisioning target: Slack' } });
    const element = render();
    getHealth.emit(HEALTH);
    await Promise.resolve();
    element.shadowRoot.querySelector('lightning-button.reset-guard').click();
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('The guard was not reset.');
    await expect(element).toBeAccessible();
  });

  it('describes a target that never worked', async () => {
    const element = render();
    getHealth.emit({
      ...HEALTH,
      lastSuccessAt: null,
      lastError: null,
      eventsLast24h: 0,
      failuresLast24h: 0,
      credentialIdleDays: null,
      credentialWarning: null,
      isGuardTripped: false,
      isQuarantined: true
    });
    await Promise.resolve();
    expect(text(element, '.last-success')).toBe('Never');
    expect(text(element, '.failure-rate')).toBe('No events in the last 24 hours');
    expect(text(element, '.credential')).toContain('Never used successfully');
    expect(text(element, '.quarantine')).toBe('Quarantined');
    expect(text(element, '.guard')).toBe('Armed');
    expect(element.shadowRoot.querySelector('lightning-button.reset-guard')).toBeNull();
    expect(element.shadowRoot.querySelector('.last-error')).toBeNull();
    await expect(element).toBeAccessible();
  });

  it('shows load and connection failures in the error panel', async () => {
    testConnection.mockRejectedValue({ body: { message: 'Unauthorized: the named credential has no valid token' } });
    const element = render();
    getHealth.error({ message: 'boom' });
    await Promise.resolve();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('Health could not be loaded.');

    getHealth.emit(HEALTH);
    await Promise.resolve();
    element.shadowRoot.querySelector('lightning-button.test-connection').click();
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel').friendlyMessage).toBe('The connection test failed.');
    await expect(element).toBeAccessible();
  });
});
