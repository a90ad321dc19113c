// Names the second package, `Provisio Connected App` (force-app/connectedapp), installs in a subscriber org. Kept
// apart from connectedApp.ts so that the CLI can name them in --help without loading the org modules.

/** The package that carries the Connected App driver's Connected App and User Provisioning flow. */
export const CONNECTED_APP_PACKAGE = 'Provisio Connected App';
/** ConnectedApplication.Name of the packaged app (its label). */
export const PACKAGED_CONNECTED_APP = 'Provisio SCIM';
/** API name of the packaged User Provisioning flow that calls ProvisioningConnectedAppPlugin. */
export const PACKAGED_FLOW = 'Provisio_User_Provisioning';
