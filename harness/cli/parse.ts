// The option value parsers live in harness/options (campaign files use them too).
export * from '../options/parse.js';
