import { LightningElement, api } from 'lwc';
import searchUsers from '@salesforce/apex/ConsolePreviewController.searchUsers';

/** Wait this long after the last keystroke before asking the server. */
export const SEARCH_DELAY_MS = 300;
const MIN_TERM_LENGTH = 2;

/**
 * Finds Salesforce users by name, username, email or federation id and lets the admin pick one.
 * Fires `select` with `{ userId, name, username, email }`. Used by the preview and the pilot group.
 */
export default class UserSearch extends LightningElement {
  /** Label of the search box. */
  @api label = 'Find a user';
  /** Label of each result's button ("Preview", "Add to pilot"). */
  @api actionLabel = 'Select';

  term = '';
  users;
  error;
  isSearching = false;
  searchTimer;
  searchSequence = 0;

  get hasResults() {
    return Array.isArray(this.users) && this.users.length > 0;
  }

  get showEmpty() {
    return Array.isArray(this.users) && this.users.length === 0;
  }

  get results() {
    return (this.users || []).map((user) => ({
      ...user,
      buttonLabel: `${this.actionLabel}: ${user.name}`,
      subtitle: [
        user.username,
        user.email === user.username ? null : user.email,
        user.isActive === false ? 'inactive' : null
      ]
        .filter(Boolean)
        .join(' · ')
    }));
  }

  handleTermChange(event) {
    this.term = (event.detail.value || '').trim();
    clearTimeout(this.searchTimer);
    if (this.term.length < MIN_TERM_LENGTH) {
      this.users = undefined;
      return;
    }
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    this.searchTimer = setTimeout(() => this.search(), SEARCH_DELAY_MS);
  }

  async search() {
    const sequence = ++this.searchSequence;
    this.isSearching = true;
    this.error = undefined;
    try {
      const users = await searchUsers({ term: this.term });
      if (sequence === this.searchSequence) {
        this.users = users || [];
      }
    } catch (error) {
      if (sequence === this.searchSequence) {
        this.users = undefined;
        this.error = error;
      }
    } finally {
      if (sequence === this.searchSequence) {
        this.isSearching = false;
      }
    }
  }

  handleSelect(event) {
    const user = this.users.find((candidate) => candidate.userId === event.target.dataset.id);
    if (user) {
      this.dispatchEvent(new CustomEvent('select', { detail: { ...user } }));
    }
  }

  disconnectedCallback() {
    clearTimeout(this.searchTimer);
  }
}
