/* global document */
// Synthetic shadow first: lightning-base-components need the SLDS styles to be global.
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import ProvisioningConsole from 'c/provisioningConsole';

const element = createElement('c-provisioning-console', { is: ProvisioningConsole });
document.querySelector('#root').appendChild(element);
