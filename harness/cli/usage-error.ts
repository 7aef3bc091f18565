/** Bad input from the user: one line on stderr, exit code 2. */
export class UsageError extends Error {}
