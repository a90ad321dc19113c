import { EmulatorModule } from '../http';
import { bulk2Module } from './bulk2';
import { metadataModule } from './metadata';
import { namedCredentialsModule } from './namedCredentials';
import { oauthModule } from './oauth';
import { restModule } from './rest';
import { scimModule } from './scim';
import { soapModule } from './soap';
import { toolingModule } from './tooling';

/**
 * The modules every emulator starts with. A feature that needs more of the org (Bulk API 2.0, Connect API,
 * event logs, ...) adds its module file in this folder and ONE line to this list; see ../README.md.
 */
export function defaultModules(): EmulatorModule[] {
  return [
    restModule(),
    oauthModule(),
    soapModule(),
    metadataModule(),
    toolingModule(),
    scimModule(),
    bulk2Module(),
    namedCredentialsModule()
  ];
}
