import { Command } from 'commander';
import { register as registerInbound } from './inbound';
import { register as registerScimTarget } from '../scim/command';
import { register as registerExportUsers } from '../export/users';
import { register as registerOutbound } from '../outbound/command';
import { register as registerReview } from '../review/command';
import { register as registerReport } from '../report/command';

/**
 * Every command of the CLI is registered here, one line per command group. Each group lives in its own module
 * and exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  void program;
  registerInbound(program);
  registerScimTarget(program);
  registerExportUsers(program);
  registerOutbound(program);
  registerReview(program);
  registerReport(program);
}
