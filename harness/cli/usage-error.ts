// The CLI's own exit codes (bad input itself is harness/options' UsageError, shared with campaign files).

/** Another run holds the lab and --no-wait was given: try again later (sysexits' EX_TEMPFAIL). */
export const EXIT_LAB_BUSY = 75;
