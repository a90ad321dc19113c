/**
 * The elements of the UserProvisioningConfig metadata type, in the order of the Metadata API's XSD (v63; see
 * ../shared ref-metadata.md §3 and https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_userprovisioningconfig.htm).
 * The setup writes files in this order and the org emulator reads and returns them in it.
 */
export const USER_PROVISIONING_CONFIG_ELEMENTS = [
  'approvalRequired',
  'connectedApp',
  'enabled',
  'enabledOperations',
  'flow',
  'masterLabel',
  'namedCredential',
  'notes',
  'onUpdateAttributes',
  'reconFilter',
  'userAccountMapping'
] as const;

export type UserProvisioningConfigElement = (typeof USER_PROVISIONING_CONFIG_ELEMENTS)[number];
