/** Bad input from the user (a flag, a campaign file's value): one line on stderr, exit code 2. */
export class UsageError extends Error {}
