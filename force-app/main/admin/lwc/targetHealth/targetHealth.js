import { LightningElement, api, wire } from 'lwc';
import { refreshApex } from '@salesforce/apex';
import getHealth from '@salesforce/apex/ConsoleTargetController.getHealth';
import testConnection from '@salesforce/apex/ConsoleTargetController.testConnection';
import resetGuard from '@salesforce/apex/ConsoleTargetController.resetGuard';

/**
 * Health of one target: connection test, last success, failure rate, how long the credential has been idle (refresh
 * tokens expire silently when unused), guard and quarantine state.
 */
export default class TargetHealth extends LightningElement {
  /** DeveloperName of the ProvisioningTarget__mdt record. */
  @api targetName;

  health;
  error;
  wiredHealth;
  connection;
  connectionError;
  isTesting = false;
  guardError;
  guardStatus;
  isResetting = false;

  @wire(getHealth, { targetName: '$targetName' })
  wireHealth(result) {
    this.wiredHealth = result;
    if (result.data) {
      this.health = result.data;
      this.error = undefined;
    } else if (result.error) {
      this.health = undefined;
      this.error = result.error;
    }
  }

  get isLoading() {
    return !this.health && !this.error;
  }

  get failureRateLabel() {
    const health = this.health;
    if (!health.eventsLast24h) {
      return 'No events in the last 24 hours';
    }
    return `${health.failureRatePercent}% (${health.failuresLast24h} of ${health.eventsLast24h} in 24 h)`;
  }

  get credentialLabel() {
    const days = this.health.credentialIdleDays;
    if (days === null || days === undefined) {
      return 'Never used successfully';
    }
    return days === 0 ? 'Used today' : `Idle for ${days} day${days === 1 ? '' : 's'}`;
  }

  get credentialWarning() {
    return this.health.credentialWarning;
  }

  get quarantineLabel() {
    return this.health.isQuarantined ? 'Quarantined' : 'Not quarantined';
  }

  get guardLabel() {
    return this.health.isGuardTripped ? 'Tripped: deprovisioning is held for approval' : 'Armed';
  }

  async handleTestConnection() {
    this.isTesting = true;
    this.connection = undefined;
    this.connectionError = undefined;
    try {
      this.connection = await testConnection({ targetName: this.targetName });
      await refreshApex(this.wiredHealth);
    } catch (error) {
      this.connectionError = error;
    } finally {
      this.isTesting = false;
    }
  }

  async handleResetGuard() {
    this.isResetting = true;
    this.guardError = undefined;
    this.guardStatus = undefined;
    try {
      await resetGuard({ targetName: this.targetName });
      this.guardStatus = 'The deprovisioning guard is armed again.';
      await refreshApex(this.wiredHealth);
    } catch (error) {
      this.guardError = error;
    } finally {
      this.isResetting = false;
    }
  }

  get connectionClass() {
    return this.connection && this.connection.ok
      ? 'slds-scoped-notification slds-scoped-notification_light slds-m-top_small connection'
      : 'slds-notify slds-notify_alert slds-alert_warning slds-m-top_small connection';
  }
}
