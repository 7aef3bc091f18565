// `npm run scenario -- [name] [options]`: turns flags into typed session options, runs the
// scenario through the run engine (harness/run) and prints what it found.
import { Command, Option } from 'commander';
import { DEFAULT_SCENARIO, SCENARIOS, CALIBRATION, SCENARIO_NAMES } from '../../scenarios/index.js';
import { calibrationRows } from '../lab/calibrate.js';
import { renderCalibrationTable } from '../report/calibration-table.js';
import { describeLink } from '../report/link-summary.js';
import { listProfilesText } from '../report/lab-text.js';
import { endProgress, progressReporter } from './progress.js';
import { renderTextSummary } from '../report/text.js';
import { renderScenarioList } from '../report/scenario-list.js';
import { DEFAULT_RESULTS_DIR } from '../results/write.js';
import { OPTION_RANGES, RunOptionsError } from '../run/options.js';
import { EXIT_NO_SAMPLE_SUCCEEDED, exitCodeOf, RunInterruptedError, runSession } from '../run/session.js';
import { CLIENT_NAMES, SERVER_NAMES } from '../scenario/matrix.js';
import { addLinkOptions } from './link-options.js';
import { planScenarioRun, type ScenarioRunFlags } from '../options/scenario-run.js';
import { interruptSignal } from '../process/cleanup.js';
import { choiceList, commaListOf, durationMs, integerInRange, mixList, objectSetList, oneOf, sizeBytes, sizeList } from '../options/parse.js';
import { formatSize } from '../files/sizes.js';
import { DEFAULT_TARGET_MAX_BYTES } from '../target/target-run.js';
import { UsageError } from '../options/usage-error.js';
import { noWaitOption } from './wait-option.js';

interface ScenarioOptions extends ScenarioRunFlags {
  list?: boolean;
  listProfiles?: boolean;
  json?: boolean;
}

export function scenarioCommand(): Command {
  const command = new Command('scenario')
    .description(`run a scenario (default: ${DEFAULT_SCENARIO}) and write its result JSON`)
    .argument('[name]', `scenario to run: ${SCENARIO_NAMES.join(', ')}`)
    .option('--list', 'list the scenarios and exit')
    .option('--list-profiles', 'list the named link profiles and exit')
    .option('--samples <n>', "samples per case, after warm-up (default: the scenario's own, 20 for handshake)", integerInRange('--samples', OPTION_RANGES.samples.min, OPTION_RANGES.samples.max))
    .option('--warmup <n>', "warm-up samples per case, not recorded (default: the scenario's own, 2 for handshake)", integerInRange('--warmup', OPTION_RANGES.warmup.min, OPTION_RANGES.warmup.max))
    .option('--timeout <duration>', "timeout of one sample, e.g. 30s (default: the scenario's own, 10s for handshake)", durationMs('--timeout'))
    .option('--out <file>', 'also write the result JSON to this file')
    .addOption(new Option('--results-dir <dir>', 'directory for result files').default(DEFAULT_RESULTS_DIR, 'results/'))
    .option('--json', 'print the result document on stdout instead of the summary table')
    .option('--quic-initial-rtt <duration>', "ngtcp2's initial RTT on both sides (default 333ms, RFC 9002)", durationMs('--quic-initial-rtt'))
    .option('--sizes <sizes>', 'transfer scenarios: body sizes, e.g. 1MB,10MB,100MB', sizeList)
    .option('--direction <dir>', 'transfer scenarios: down (the server sends) or up (the client sends) (default: down; smb-copy both)', oneOf('--direction', ['down', 'up'] as const))
    .option('--objects <sets>', 'page-load scenarios: objects loaded at once, e.g. 100x10KB,20x200KB', objectSetList)
    .option('--message-size <size>', 'message scenarios (realtime): bytes per message, e.g. 200B (default 200B)', sizeBytes('--message-size'))
    .option('--message-rate <n>', 'message scenarios: messages a second (default 50)', integerInRange('--message-rate', 1, 10_000))
    .option('--duration <duration>', 'message scenarios: how long each sample sends; competition: how long the flows compete at a fair share (sizes each flow), e.g. 20s (default 20s)', durationMs('--duration'))
    .option('--mix <mixes>', 'competition: mixes to run instead of the default pairings, each its flows joined by + (comma-separated), e.g. h3-quic-go+iperf3-bbr,h3-ngtcp2+h2-node+iperf3-cubic', mixList)
    .option('--stagger <duration>', 'competition: each later flow joins this long after the one before, e.g. 5s (default 0: all at once)', durationMs('--stagger'))
    .option('--message-probe <case>', "competition: also probe each mix with a realtime case's messages (200 B, 50 a second), e.g. wt-h3-datagram or ws-long-stream (default: the UDP echoes alone)")
    .option('--variants <ids>', 'run only these cases (comma-separated case ids, e.g. quic-h3-0rtt,tcp-tls-h2)', commaListOf('--variants'))
    .option('--server <names>', `servers to run every case on: ${SERVER_NAMES.join(', ')} (default: each case's own)`, choiceList('--server', SERVER_NAMES))
    .option('--client <names>', `clients to run every case with: ${CLIENT_NAMES.join(', ')} (default: each case's own)`, choiceList('--client', CLIENT_NAMES))
    .option('--target <url>', "run the clients against a remote server instead of the lab's: https://host[:port]/path/{bytes}, where it serves the lab's bodies (npm run target-files); handshake, throughput, multiplexing")
    .option('--resolve <host:port:address>', "--target: connect to this address for the URL's host and port (curl's form); default one DNS lookup")
    .option('--ca <file>', "--target: CA certificate(s) to verify it against (default: the system's trust store)")
    .option('--via-lab', "--target: through the lab's emulated link (the link options, default the broadband profile) and out of this host by NAT")
    .option('--max-bytes <size>', `--target: the most body bytes the run may move, warm-up included; a run planned over it is refused (default ${formatSize(DEFAULT_TARGET_MAX_BYTES)})`, sizeBytes('--max-bytes'))
    .option('--no-capture', 'no packet capture (scenarios that check timings against the wire)')
    .option('--keep-captures <dir>', 'keep the packet capture and its TLS key log (0600) in this directory')
    .addOption(noWaitOption());
  return addLinkOptions(command).action(async (name: string | undefined, options: ScenarioOptions) => {
    if (options.listProfiles) {
      process.stdout.write(listProfilesText());
      return;
    }
    if (options.list) {
      process.stdout.write(renderScenarioList([...SCENARIOS, CALIBRATION]));
      return;
    }
    const { found, scenario, sessionOptions, usedDefault, defaultProfile } = planScenarioRun(name ?? DEFAULT_SCENARIO, options);
    const progress = progressReporter();
    let result;
    try {
      result = await runSession(
        scenario,
        { ...sessionOptions, signal: interruptSignal },
        {
          ...(usedDefault && !options.json ? { onChecked: () => process.stdout.write(`link: the ${defaultProfile} profile, the default (choose with --profile, --rtt, ...; --link loopback for none)\n`) } : {}),
          ...(progress ? { onProgress: progress } : {}),
          // On a terminal the progress line has no newline yet: a warning starts a line of its own.
          onWarning: (message) => process.stderr.write(`${progress ? '\n' : ''}warning: ${message}\n`),
          onWaitForLab: (message) => process.stderr.write(`${progress ? '\n' : ''}${message}\n`),
        },
      );
    } catch (error) {
      if (error instanceof RunOptionsError) throw new UsageError(error.message);
      if (error instanceof RunInterruptedError) {
        process.stderr.write(`${progress ? '\n' : ''}${error.message}\n`);
        process.exitCode = exitCodeOf('aborted');
        return;
      }
      throw error;
    } finally {
      if (progress) endProgress();
    }
    const { document, resultPaths, reportPaths } = result;
    if (options.json) {
      process.stdout.write(JSON.stringify(document, null, 2) + '\n');
    } else if (found === CALIBRATION) {
      const calibration = document.link.achieved?.calibration;
      if (calibration && document.link.configured) {
        process.stdout.write(`calibration (${describeLink(document.link)})\n`);
        process.stdout.write(renderCalibrationTable(calibrationRows(document.link.configured, calibration)));
      }
      process.stdout.write(`result: ${resultPaths.join(', ')}\n`);
    } else {
      process.stdout.write(renderTextSummary(document));
      process.stdout.write(`result: ${resultPaths.join(', ')}\n`);
      if (reportPaths.length > 0) process.stdout.write(`reports: ${reportPaths.join(', ')}\n`);
    }
    if (result.exitCode === EXIT_NO_SAMPLE_SUCCEEDED) process.stderr.write(`error: no sample succeeded (each failure is in the result)\n`);
    if (result.exitCode !== 0) process.exitCode = result.exitCode;
  });
}
