// The one entry point behind the npm scripts: scenario, certs, schema.
// Machine output goes to stdout, progress to stderr (on a terminal only); bad input is one
// line on stderr and exit code 2.
import { Command, CommanderError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { DEFAULT_SCENARIO, SCENARIOS, findScenario } from '../scenarios/index.js';
import { integerInRange, oneOf, parseDurationMs } from './cli/parse.js';
import { endpointFactory } from './endpoints/registry.js';
import { DEFAULT_CERTS_DIR, ensurePki } from './pki/store.js';
import { interruptSignal, runCleanups } from './process/cleanup.js';
import { endProgress, progressReporter } from './report/progress.js';
import { renderTextSummary } from './report/text.js';
import { JSON_SCHEMA_PATH, resultJsonSchemaText } from './results/json-schema.js';
import { defaultResultPath, writeResult, DEFAULT_RESULTS_DIR } from './results/write.js';
import { writeFileAtomic } from './files/atomic-write.js';
import { runScenario } from './scenario/run.js';

const EXIT_USAGE = 2;

class UsageError extends Error {}

const KEY_BITS = ['2048', '3072', '4096'] as const;

function scenarioCommand(): Command {
  return new Command('scenario')
    .description(`run a scenario (default: ${DEFAULT_SCENARIO}) and write its result JSON`)
    .argument('[name]', `scenario to run: ${SCENARIOS.map((s) => s.name).join(', ')}`)
    .option('--list', 'list the scenarios and exit')
    .option('--samples <n>', 'samples per case, after warm-up', integerInRange('--samples', 1, 100_000))
    .option('--warmup <n>', 'warm-up samples per case (not recorded)', integerInRange('--warmup', 0, 1000))
    .option('--timeout <duration>', 'timeout of one sample, e.g. 10s', parseDurationMs)
    .option('--out <file>', 'also write the result JSON to this file')
    .option('--results-dir <dir>', 'directory for result files', DEFAULT_RESULTS_DIR)
    .option('--json', 'print the result document on stdout instead of the summary table')
    .action(async (name: string | undefined, options: ScenarioOptions) => {
      if (options.list) {
        for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(12)} ${s.abbreviation.padEnd(4)} ${s.description}\n`);
        return;
      }
      const scenario = findScenario(name ?? DEFAULT_SCENARIO);
      if (!scenario) throw new UsageError(`unknown scenario "${name}"; choose one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);
      const pki = await ensurePki({}, DEFAULT_CERTS_DIR);
      const progress = progressReporter();
      const document = await runScenario(scenario, {
        samples: options.samples ?? scenario.defaults.samples,
        warmup: options.warmup ?? scenario.defaults.warmup,
        sampleTimeoutMs: options.timeout ?? scenario.defaults.sampleTimeoutMs,
        tls: pki.material,
        certificates: pki.info,
        link: { backend: 'loopback', profile: null, configured: {}, achieved: null },
        endpoints: endpointFactory({ tls: pki.material, serverHost: '127.0.0.1' }),
        signal: interruptSignal,
        ...(progress ? { onProgress: progress } : {}),
      });
      endProgress();
      const paths = [defaultResultPath(document, options.resultsDir), ...(options.out ? [options.out] : [])];
      await writeResult(document, paths);
      if (options.json) {
        process.stdout.write(JSON.stringify(document, null, 2) + '\n');
      } else {
        process.stdout.write(renderTextSummary(document, scenario.metrics.map((m) => m.name)));
        process.stdout.write(`result: ${paths.join(', ')}\n`);
      }
      if (document.status !== 'completed') process.exitCode = document.status === 'aborted' ? 130 : 1;
    });
}

interface ScenarioOptions {
  list?: boolean;
  samples?: number;
  warmup?: number;
  timeout?: number;
  out?: string;
  resultsDir: string;
  json?: boolean;
}

function certsCommand(): Command {
  return new Command('certs')
    .description('create (or renew) the lab PKI: a root CA, optional intermediates and a server leaf')
    .addOption(new Option('--key-bits <bits>', 'RSA key size').argParser(oneOf('--key-bits', KEY_BITS)).default('2048'))
    .option('--intermediates <n>', 'intermediate CAs between root and leaf', integerInRange('--intermediates', 0, 3), 0)
    .option('--dir <dir>', 'where to write the PKI', DEFAULT_CERTS_DIR)
    .option('--force', 'regenerate even if the current PKI is fine')
    .action(async (options: { keyBits: (typeof KEY_BITS)[number]; intermediates: number; dir: string; force?: boolean }) => {
      const pki = await ensurePki({ keyBits: Number(options.keyBits) as 2048 | 3072 | 4096, intermediates: options.intermediates }, options.dir, options.force ?? false);
      process.stdout.write(
        `${pki.generated ? 'generated' : 'kept'} ${pki.dir}: RSA-${pki.info.keyBits}, chain of ${pki.info.chainLength} (${pki.info.chainBytes} bytes), CA sha256 ${pki.info.caFingerprintSha256}\n`,
      );
    });
}

function schemaCommand(): Command {
  return new Command('schema')
    .description(`write the result JSON Schema to ${JSON_SCHEMA_PATH}`)
    .option('--check', 'exit 1 if the file is not up to date instead of writing it')
    .action(async (options: { check?: boolean }) => {
      const text = resultJsonSchemaText();
      if (options.check) {
        const current = await readFile(JSON_SCHEMA_PATH, 'utf8').catch(() => '');
        if (current !== text) {
          process.stderr.write(`${JSON_SCHEMA_PATH} is out of date: run npm run schema\n`);
          process.exitCode = 1;
        }
        return;
      }
      await writeFileAtomic(JSON_SCHEMA_PATH, text);
      process.stdout.write(`wrote ${JSON_SCHEMA_PATH}\n`);
    });
}

function optionNames(command: Command): string {
  return command.options.map((option) => option.long).filter(Boolean).join(', ');
}

export function buildProgram(): Command {
  const program = new Command('quic-lab').description('QUIC vs TCP+TLS 1.3 lab harness');
  for (const sub of [scenarioCommand(), certsCommand(), schemaCommand()]) {
    sub.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
    program.addCommand(sub);
  }
  program.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      let message = error.message.replace(/^error: /, '');
      if (error.code === 'commander.unknownOption') {
        const command = program.commands.find((c) => argv[0] === c.name()) ?? program;
        message = message.replace(/\n.*/s, '') + ` (valid options: ${optionNames(command) || 'none'})`;
      }
      if (error.code === 'commander.unknownCommand') message += ` (commands: ${program.commands.map((c) => c.name()).join(', ')})`;
      process.stderr.write(`error: ${message.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await runCleanups();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
