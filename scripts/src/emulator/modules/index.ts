import { EmulatorModule } from '../http';
import { oauthModule } from './oauth';
import { restModule } from './rest';

/**
 * The modules every emulator starts with. A feature that needs more of the org (Bulk API 2.0, Connect API,
 * event logs, ...) adds its module file in this folder and ONE line to this list; see ../README.md.
 */
export function defaultModules(): EmulatorModule[] {
  return [restModule(), oauthModule()];
}
