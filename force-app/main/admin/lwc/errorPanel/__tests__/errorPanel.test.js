import { createElement } from 'lwc';
import ErrorPanel from 'c/errorPanel';
import { reduceErrors } from 'c/ldsUtils';

function render(props) {
  const element = createElement('c-error-panel', { is: ErrorPanel });
  Object.assign(element, props);
  document.body.appendChild(element);
  return element;
}

describe('c-error-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the friendly message and hides details until asked', async () => {
    const element = render({
      friendlyMessage: 'Could not load targets.',
      errors: { body: { message: 'Insufficient access' }, ok: false, status: 403 }
    });
    expect(element.shadowRoot.querySelector('.summary').textContent).toBe('Could not load targets.');
    expect(element.shadowRoot.querySelector('.details')).toBeNull();

    element.shadowRoot.querySelector('lightning-button').click();
    await Promise.resolve();

    const items = [...element.shadowRoot.querySelectorAll('.details li')].map((li) => li.textContent);
    expect(items).toEqual(['Insufficient access']);
    await expect(element).toBeAccessible();
  });

  it('offers no details button when there is nothing behind the summary', async () => {
    const element = render({ errors: undefined });
    expect(element.shadowRoot.querySelector('lightning-button')).toBeNull();
    await expect(element).toBeAccessible();
  });
});

describe('reduceErrors', () => {
  it('flattens Apex, UI API, page and JS errors without duplicates', () => {
    const errors = [
      { body: { message: 'Apex says no' } },
      { body: [{ message: 'first' }, { message: 'second' }] },
      { body: { output: { errors: [{ message: 'ui api' }], fieldErrors: { Name: [{ message: 'field' }] } } } },
      { body: { pageErrors: [{ message: 'page' }] } },
      new Error('js error'),
      'plain string',
      { body: { message: 'Apex says no' } },
      { statusText: 'Server Error' },
      null,
      {}
    ];
    expect(reduceErrors(errors)).toEqual([
      'Apex says no',
      'first',
      'second',
      'ui api',
      'field',
      'page',
      'js error',
      'plain string',
      'Server Error'
    ]);
  });
});
