// Types for build-cli.mjs (its build state is build-state.mjs's, re-exported), for the tests that import it.
export { BUILD_DIR, CLI_FILE, PROGRAMS, ROOT, SOURCE_DIRS, SOURCE_FILES, STAMP_FILE, builtProgram, newestSource, staleReason } from './build-state.mjs';
export declare function buildCli(root: string): Promise<string>;
export declare function ensureCli(root?: string): Promise<string>;
