// `npm run target-files -- DIR [--sizes ...]`: the lab's generated bodies (byte i = i mod 251),
// one file per size named by its byte count, to put on a remote server that a run measures with
// --target https://host/DIR/{bytes}: every client then checks every byte it downloads.
import { Command } from 'commander';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SCENARIOS } from '../../scenarios/index.js';
import { writeGeneratedFile } from '../files/generated-file.js';
import { formatSize } from '../files/sizes.js';
import { sizeList } from '../options/parse.js';
import { bodySizesOf } from '../scenario/body-sizes.js';

/** The sizes every scenario that runs against a target asks for by default. */
export function defaultTargetSizes(): number[] {
  const sizes = SCENARIOS.filter((s) => s.remoteTarget === true).flatMap((s) => bodySizesOf(s.cases));
  return [...new Set(sizes)].sort((a, b) => a - b);
}

export function targetFilesCommand(): Command {
  return new Command('target-files')
    .description("write the lab's bodies for a remote server (--target): one file per size, named by its byte count")
    .argument('<dir>', 'directory to write them to (created if missing)')
    .option('--sizes <sizes>', "body sizes, e.g. 1KB,1MB,10MB (default: every size the scenarios' defaults ask for)", sizeList)
    .action(async (dir: string, options: { sizes?: number[] }) => {
      const sizes = options.sizes ?? defaultTargetSizes();
      await mkdir(dir, { recursive: true });
      for (const bytes of sizes) {
        await writeGeneratedFile(join(dir, String(bytes)), bytes);
        // Readable by the web server's account: these bodies are public test data.
        await chmod(join(dir, String(bytes)), 0o644);
        process.stdout.write(`${join(dir, String(bytes))} (${formatSize(bytes)})\n`);
      }
    });
}
