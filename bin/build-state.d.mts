// Types for build-state.mjs, for the harness code and the tests that import it.
export declare const ROOT: string;
export declare const SOURCE_DIRS: readonly string[];
export declare const SOURCE_FILES: readonly string[];
export declare const BUILD_DIR: string;
export declare const CLI_FILE: string;
export declare const PROGRAMS: Readonly<Record<string, string>>;
export declare const STAMP_FILE: string;
export declare function newestSource(root: string): { path: string; mtimeMs: number };
export declare function staleReason(root: string): string | undefined;
export declare function builtProgram(root: string, source: string): string | undefined;
