import { createElement } from 'lwc';
import UserSearch, { SEARCH_DELAY_MS } from 'c/userSearch';
import searchUsers from '@salesforce/apex/ConsolePreviewController.searchUsers';

const USERS = require('./data/users.json');

jest.mock('@salesforce/apex/ConsolePreviewController.searchUsers', () => ({ default: jest.fn() }), { virtual: true });

const flushPromises = () => Promise.resolve().then(() => Promise.resolve());

function render() {
  const element = createElement('c-user-search', { is: UserSearch });
  element.actionLabel = 'Add to pilot';
  document.body.appendChild(element);
  return element;
}

async function type(element, value) {
  const input = element.shadowRoot.querySelector('lightning-input');
  input.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  jest.advanceTimersByTime(SEARCH_DELAY_MS);
  await flushPromises();
  await flushPromises();
}

describe('c-user-search', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('searches after typing and fires select with the chosen user', async () => {
    searchUsers.mockResolvedValue(USERS);
    const element = render();
    const handler = jest.fn();
    element.addEventListener('select', handler);

    await type(element, ' ada ');

    expect(searchUsers).toHaveBeenCalledTimes(1);
    expect(searchUsers).toHaveBeenCalledWith({ term: 'ada' });
    const buttons = element.shadowRoot.querySelectorAll('lightning-button.select');
    expect(buttons).toHaveLength(2);
    expect(buttons[1].title).toBe('Add to pilot: Alan Turing');
    expect(element.shadowRoot.querySelector('.results').textContent).toContain('inactive');

    buttons[1].click();
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0][0].detail.userId).toBe('005000000000002AAA');
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('does not ask the server for one character and debounces fast typing', async () => {
    searchUsers.mockResolvedValue(USERS);
    const element = render();
    const input = element.shadowRoot.querySelector('lightning-input');
    input.dispatchEvent(new CustomEvent('change', { detail: { value: 'a' } }));
    jest.advanceTimersByTime(SEARCH_DELAY_MS);
    expect(searchUsers).not.toHaveBeenCalled();

    input.dispatchEvent(new CustomEvent('change', { detail: { value: 'ad' } }));
    input.dispatchEvent(new CustomEvent('change', { detail: { value: 'ada' } }));
    jest.advanceTimersByTime(SEARCH_DELAY_MS);
    await flushPromises();
    expect(searchUsers).toHaveBeenCalledTimes(1);
    expect(searchUsers).toHaveBeenCalledWith({ term: 'ada' });
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('says so when no user matches', async () => {
    searchUsers.mockResolvedValue([]);
    const element = render();
    await type(element, 'nobody');
    expect(element.shadowRoot.querySelector('.empty').textContent).toContain('nobody');
    expect(element.shadowRoot.querySelector('.results')).toBeNull();
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });

  it('shows a search failure in the error panel', async () => {
    searchUsers.mockRejectedValue({ body: { message: 'You do not have access' }, ok: false, status: 403 });
    const element = render();
    await type(element, 'ada');
    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel).not.toBeNull();
    expect(panel.friendlyMessage).toBe('Could not search users.');
    expect(panel.errors.body.message).toBe('You do not have access');
    jest.useRealTimers();
    await expect(element).toBeAccessible();
  });
});
