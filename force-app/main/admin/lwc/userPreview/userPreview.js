import { LightningElement, api } from 'lwc';
import previewUser from '@salesforce/apex/ConsolePreviewController.previewUser';
import provisionUser from '@salesforce/apex/ConsolePreviewController.provisionUser';

const STEP_ICONS = { success: 'utility:success', error: 'utility:error', skipped: 'utility:dash' };
const STEP_TEXT = { success: 'Done', error: 'Failed', skipped: 'Skipped' };

/**
 * Provision on demand: pick a user, see the SCIM resource the mapping produces and the PatchOp an update would
 * send, then provision that one user now and read the step trace (mapped, request, response, result).
 */
export default class UserPreview extends LightningElement {
  /** DeveloperName of the ProvisioningTarget__mdt record; another target clears the preview. */
  @api
  get targetName() {
    return this._targetName;
  }
  set targetName(value) {
    if (value !== this._targetName) {
      this.preview = undefined;
      this.previewError = undefined;
      this.trace = undefined;
      this.provisionError = undefined;
    }
    this._targetName = value;
  }

  selectedUser;
  preview;
  previewError;
  isLoading = false;
  trace;
  provisionError;
  isProvisioning = false;

  async handleSelect(event) {
    this.selectedUser = event.detail;
    this.preview = undefined;
    this.previewError = undefined;
    this.trace = undefined;
    this.provisionError = undefined;
    this.isLoading = true;
    try {
      this.preview = await previewUser({ targetName: this.targetName, userId: this.selectedUser.userId });
    } catch (error) {
      this.previewError = error;
    } finally {
      this.isLoading = false;
    }
  }

  get hasMappingErrors() {
    return Boolean(this.preview && this.preview.errors && this.preview.errors.length);
  }

  get hasPatch() {
    return Boolean(this.preview && this.preview.patchOperations && this.preview.patchOperations.length);
  }

  get operationLabel() {
    const { operation, state, externalId } = this.preview;
    if (state && state !== 'DryRun') {
      return `Nothing would be sent: ${state}`;
    }
    if (operation === 'Create') {
      return 'Would create a new account';
    }
    if (!operation) {
      return 'Already up to date: nothing would be sent';
    }
    return `Would ${operation.toLowerCase()} account ${externalId || '(not linked yet)'}`;
  }

  get hasDecisionSteps() {
    return Boolean(this.preview && this.preview.steps && this.preview.steps.length);
  }

  get provisionDisabled() {
    return !this.preview || this.hasMappingErrors || this.isProvisioning;
  }

  get steps() {
    return ((this.trace && this.trace.steps) || []).map((step) => ({
      ...step,
      icon: STEP_ICONS[step.status] || STEP_ICONS.skipped,
      statusText: STEP_TEXT[step.status] || step.status,
      variant: step.status === 'error' ? 'error' : step.status === 'success' ? 'success' : ''
    }));
  }

  async handleProvision() {
    this.isProvisioning = true;
    this.trace = undefined;
    this.provisionError = undefined;
    try {
      this.trace = await provisionUser({ targetName: this.targetName, userId: this.selectedUser.userId });
    } catch (error) {
      this.provisionError = error;
    } finally {
      this.isProvisioning = false;
    }
  }
}
