// Types for build-cli.mjs (its build state re-exported from build-state.mjs), for the tests that import it.
export declare const ROOT: string;
export declare const SOURCE_DIRS: readonly string[];
export declare const SOURCE_FILES: readonly string[];
export declare const BUILD_DIR: string;
export declare const CLI_FILE: string;
export declare const PROGRAMS: Readonly<Record<string, string>>;
export declare const STAMP_FILE: string;
export declare function newestSource(root: string): { path: string; mtimeMs: number };
export declare function staleReason(root: string): string | undefined;
export declare function buildCli(root: string): Promise<string>;
export declare function builtProgram(root: string, source: string): string | undefined;
export declare function ensureCli(root?: string): Promise<string>;
