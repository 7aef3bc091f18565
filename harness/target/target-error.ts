/** Bad input to a run against a target (a URL, a budget, a target that cannot be reached or trusted): the CLI prints it as one line and exits 2. */
export class TargetRequestError extends Error {}
