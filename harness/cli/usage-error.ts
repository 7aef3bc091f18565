// Bad input is shared with the campaign files (harness/options); the CLI's exit codes live here.
export { UsageError } from '../options/usage-error.js';

/** Another run holds the lab and --no-wait was given: try again later (sysexits' EX_TEMPFAIL). */
export const EXIT_LAB_BUSY = 75;
