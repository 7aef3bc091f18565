// The one entry point behind the npm scripts: scenario, campaign, report, compare, smb-probe, h3-probe, target-files, lab, history, certs, schema.
// Machine output goes to stdout, progress to stderr (on a terminal only); bad input is one
// line on stderr and exit code 2.
import { Command, CommanderError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { integerInRange, oneOf } from './options/parse.js';
import { scenarioCommand } from './cli/scenario-command.js';
import { labCommand } from './cli/lab-command.js';
import { campaignCommand } from './cli/campaign-command.js';
import { compareCommand } from './cli/compare-command.js';
import { reportCommand } from './cli/report-command.js';
import { smbProbeCommand } from './cli/smb-probe-command.js';
import { h3ProbeCommand } from './cli/h3-probe-command.js';
import { historyCommand } from './cli/history-command.js';
import { targetFilesCommand } from './cli/target-files-command.js';
import { EXIT_LAB_BUSY } from './cli/usage-error.js';
import { UsageError } from './options/usage-error.js';
import { commanderSlipContext, npmSlip } from './cli/npm-slip.js';
import { REPEATABLE_OPTIONS } from './cli/link-options.js';
import { LabBusyError } from './lab/lock.js';
import { installFatalHandlers, interruptGraceMs, runCleanups } from './process/cleanup.js';
import { DEFAULT_CERTS_DIR, ensurePki } from './pki/store.js';
import { DEFAULT_PKI_OPTIONS, KEY_TYPES, type KeyType } from './pki/generate.js';
import { JSON_SCHEMA_PATH, resultJsonSchemaText } from './results/json-schema.js';
import { CAMPAIGN_SCHEMA_PATH, campaignJsonSchemaText } from './campaign/json-schema.js';
import { writeFileAtomic } from './files/atomic-write.js';
import { isMainModule } from './project-root.js';
import { escapeControls, escapeControlsKeepingLines } from './files/terminal-text.js';
import { exitWhenFlushed } from './process/exit-when-flushed.js';

export { exitWhenFlushed };

const EXIT_USAGE = 2;

function certsCommand(): Command {
  return new Command('certs')
    .description('create (or renew) the lab PKI: a root CA, optional intermediates and a server leaf')
    .addOption(new Option('--key-type <type>', 'key type of every certificate').argParser(oneOf('--key-type', KEY_TYPES)).default(DEFAULT_PKI_OPTIONS.keyType))
    .option('--intermediates <n>', 'intermediate CAs between root and leaf', integerInRange('--intermediates', 0, 3), 0)
    .addOption(new Option('--dir <dir>', 'where to write the PKI').default(DEFAULT_CERTS_DIR, 'certs/'))
    .option('--force', 'regenerate even if the current PKI is fine')
    .action(async (options: { keyType: KeyType; intermediates: number; dir: string; force?: boolean }) => {
      const pki = await ensurePki({ keyType: options.keyType, intermediates: options.intermediates }, options.dir, options.force ?? false);
      const key = pki.info.keyType === 'ECDSA' ? `ECDSA P-${pki.info.keyBits}` : `${pki.info.keyType}-${pki.info.keyBits}`;
      process.stdout.write(`${pki.generated ? 'generated' : 'kept'} ${pki.dir}: ${key}, chain of ${pki.info.chainLength} (${pki.info.chainBytes} bytes), CA sha256 ${pki.info.caFingerprintSha256}\n`);
    });
}

/** The published JSON Schemas: results and campaign files, each generated from its zod schema. */
const PUBLISHED_SCHEMAS = [
  { path: JSON_SCHEMA_PATH, text: resultJsonSchemaText },
  { path: CAMPAIGN_SCHEMA_PATH, text: campaignJsonSchemaText },
];

function schemaCommand(): Command {
  return new Command('schema')
    .description(`write the JSON Schemas to ${PUBLISHED_SCHEMAS.map((s) => s.path).join(' and ')}`)
    .option('--check', 'exit 1 if a file is not up to date instead of writing it')
    .action(async (options: { check?: boolean }) => {
      for (const schema of PUBLISHED_SCHEMAS) {
        const text = schema.text();
        if (options.check) {
          const current = await readFile(schema.path, 'utf8').catch(() => '');
          if (current !== text) {
            process.stderr.write(`${schema.path} is out of date: run npm run schema\n`);
            process.exitCode = 1;
          }
          continue;
        }
        await writeFileAtomic(schema.path, text);
        process.stdout.write(`wrote ${schema.path}\n`);
      }
    });
}

function optionNames(command: Command): string {
  return command.options
    .map((option) => option.long)
    .filter(Boolean)
    .join(', ');
}

/** A second --rtt would silently replace the first: refused, for every option not meant to repeat. */
function refuseRepeatedOptions(command: Command): void {
  for (const option of command.options) {
    if (!option.long || REPEATABLE_OPTIONS.has(option.long)) continue;
    let given = false;
    command.on(`option:${option.name()}`, () => {
      if (given) throw new UsageError(`${option.long} given twice (give each option once)`);
      given = true;
    });
  }
  for (const sub of command.commands) refuseRepeatedOptions(sub);
}

export function buildProgram(): Command {
  const program = new Command('quic-lab').description('QUIC vs TCP+TLS 1.3 lab harness');
  for (const sub of [scenarioCommand(), campaignCommand(), reportCommand(), compareCommand(), smbProbeCommand(), h3ProbeCommand(), targetFilesCommand(), labCommand(), historyCommand(), certsCommand(), schemaCommand()]) {
    sub.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
    program.addCommand(sub);
  }
  program.exitOverride().configureOutput({ writeErr: () => {}, outputError: () => {} });
  refuseRepeatedOptions(program);
  return program;
}

/** The deepest command the words name ("lab up" -> up). */
function commandNamed(program: Command, argv: readonly string[]): Command {
  let command: Command = program;
  for (const word of argv) {
    const sub = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    command = sub;
  }
  return command;
}

/** "quic-lab lab" for lab, as npm runs it: "npm run lab --". */
function usageLine(command: Command): string {
  const path: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) path.unshift(c.name());
  const [script, ...rest] = path;
  const names = command.commands.map((c) => c.name()).join('|');
  return script === undefined ? `npm run <${names}> -- [options]` : `npm run ${script} -- ${[...rest, `<${names}>`].join(' ')} [options]`;
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram();
  try {
    const slipContext = commanderSlipContext(program, argv, env);
    const slip = slipContext ? npmSlip(slipContext, env) : null;
    if (slip) throw new UsageError(slip);
    // The cleanup registry reads it at its first step: a bad value is bad input, before any wait or setup.
    try {
      interruptGraceMs(process.env);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || (error.code === 'commander.help' && error.exitCode === 0)) return 0;
      // The deepest command the arguments name (e.g. "lab up") owns an unknown option or subcommand.
      const command = commandNamed(program, argv);
      if (error.code === 'commander.help' && error.exitCode !== 0) {
        // A command of commands given none (`npm run lab`, or no command at all): its usage, exit 2.
        process.stderr.write(`error: name a command: ${command.commands.map((c) => c.name()).join(', ')}\nusage: ${usageLine(command)}\n\n${command.helpInformation()}`);
        return EXIT_USAGE;
      }
      let message = error.message.replace(/^error: /, '');
      if (error.code === 'commander.unknownOption') message = message.replace(/\n.*/s, '') + ` (valid options: ${optionNames(command) || 'none'})`;
      if (error.code === 'commander.unknownCommand') message += ` (commands: ${command.commands.map((c) => c.name()).join(', ')})`;
      process.stderr.write(`error: ${escapeControls(message.split('\n')[0] ?? '')}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      // One line whatever the input held: a newline or an escape sequence in a value is shown escaped.
      process.stderr.write(`error: ${escapeControls(error.message)}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof LabBusyError) {
      process.stderr.write(`error: ${escapeControls(error.message)}\n`);
      return EXIT_LAB_BUSY;
    }
    process.stderr.write(`error: ${escapeControlsKeepingLines(error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  } finally {
    await runCleanups();
  }
}

export { installFatalHandlers };

if (isMainModule(import.meta.url)) {
  installFatalHandlers();
  // Exit once cleanup is done and the output is drained, whatever timers an interrupted exchange left behind.
  await exitWhenFlushed(await main(process.argv.slice(2)));
}
