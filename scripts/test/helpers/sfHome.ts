import os from 'node:os';
import { useTempSfHome } from '../../src/emulator/sfAuth';

/**
 * A temporary sf CLI HOME for a jest test. Jest gives each test file a copy of process.env, which the native
 * `os.homedir()` never sees, so the home directory is also stubbed for @salesforce/core.
 */
export function tempSfHome(): { home: string; restore: () => void } {
  const temp = useTempSfHome();
  const spy = jest.spyOn(os, 'homedir').mockReturnValue(temp.home);
  return {
    home: temp.home,
    restore: () => {
      spy.mockRestore();
      temp.restore();
    }
  };
}
