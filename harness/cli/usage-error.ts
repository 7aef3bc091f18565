/** Bad input from the user: one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** Another run holds the lab and --no-wait was given: try again later (sysexits' EX_TEMPFAIL). */
export const EXIT_LAB_BUSY = 75;
