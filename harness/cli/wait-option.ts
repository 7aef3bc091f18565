// --no-wait, the same on every command that takes the lab (scenario, lab up): by default a
// run waits for the lab lock and says so on stderr; with it, a busy lab is refused at once.
import { Option } from 'commander';
import { EXIT_LAB_BUSY } from './usage-error.js';

export function noWaitOption(): Option {
  return new Option('--no-wait', `while another run holds the lab, refuse at once (exit ${EXIT_LAB_BUSY}) instead of waiting for it`);
}
