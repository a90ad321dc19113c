import { LightningElement, api } from 'lwc';
import { reduceErrors } from 'c/ldsUtils';

/**
 * The one place the admin console shows errors: a friendly summary, and the messages behind it on request.
 * Never a stack trace. `errors` takes anything Apex, a wire or the browser threw.
 */
export default class ErrorPanel extends LightningElement {
  /** Summary shown above the messages. */
  @api friendlyMessage = 'Something went wrong.';
  /** Error, or array of errors, as thrown by Apex, wires or the browser. */
  @api errors;

  showDetails = false;

  get messages() {
    return reduceErrors(this.errors);
  }

  get hasMessages() {
    return this.messages.length > 0;
  }

  get toggleLabel() {
    return this.showDetails ? 'Hide details' : 'Show details';
  }

  handleToggle() {
    this.showDetails = !this.showDetails;
  }
}
