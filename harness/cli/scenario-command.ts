// `npm run scenario -- [name] [options]`: runs a scenario on loopback or on the lab network
// and writes its result JSON.
import { Command } from 'commander';
import { CALIBRATION, DEFAULT_SCENARIO, SCENARIOS, SCENARIO_NAMES, findScenario } from '../../scenarios/index.js';
import { calibrateLab, calibrationRows } from '../lab/calibrate.js';
import { renderCalibrationTable } from '../report/calibration-table.js';
import { describeLink } from '../report/link-summary.js';
import { endpointFactory } from '../endpoints/registry.js';
import type { EndpointPlacement } from '../endpoints/types.js';
import { bodySizesOf } from '../scenario/body-sizes.js';
import { startLab, type Lab } from '../lab/lab.js';
import { UnitError } from '../lab/units.js';
import { DEFAULT_CERTS_DIR, ensurePki } from '../pki/store.js';
import { interruptSignal } from '../process/cleanup.js';
import { endProgress, progressReporter } from '../report/progress.js';
import { renderTextSummary } from '../report/text.js';
import { writeReportsBeside } from '../report/write-reports.js';
import type { LinkInfo } from '../results/schema.js';
import { DEFAULT_RESULTS_DIR, defaultResultPath, writeResult } from '../results/write.js';
import { newRunId, runScenario } from '../scenario/run.js';
import { selectCases, UnknownVariantError } from '../scenario/select.js';
import { CLIENT_NAMES, SERVER_NAMES, expandMatrix } from '../scenario/matrix.js';
import type { CaseDefinition, ClientName, ServerName } from '../scenario/types.js';
import { RunWireTap } from '../capture/wire-tap.js';
import { PkiSet } from '../pki/pki-set.js';
import { LAB_DEVICE } from '../lab/lab.js';
import type { ScenarioDefinition } from '../scenario/types.js';
import { applyImpairment, type Impairment } from '../lab/impairment.js';
import { directionBdpBytes } from '../lab/conditions.js';
import { addLinkOptions, linkConditionsFrom, wantsLab, type LinkCliOptions } from './link-options.js';
import { choiceList, commaList, integerInRange, objectSetList, oneOf, parseDurationMs, sizeList } from './parse.js';
import { tcpReference } from '../measure/iperf3.js';

import { UsageError } from './usage-error.js';
import { listProfilesText } from '../report/lab-text.js';

/** Long enough for cubic or bbr to leave slow start on the slowest profiles. */
const TCP_REFERENCE_SECONDS = 5;

/** The calibration run: no endpoint cases, the harness's calibration is the whole result. */
const calibrationOnly: ScenarioDefinition = {
  name: CALIBRATION.name,
  abbreviation: CALIBRATION.abbreviation,
  description: CALIBRATION.description,
  metrics: [],
  defaults: { samples: 1, warmup: 0, sampleTimeoutMs: 1000 },
  cases: [],
  measure: async () => ({ metrics: {} }),
};

interface ScenarioOptions extends LinkCliOptions {
  list?: boolean;
  listProfiles?: boolean;
  samples?: number;
  warmup?: number;
  timeout?: number;
  out?: string;
  resultsDir: string;
  json?: boolean;
  quicInitialRtt?: number;
  variants?: string[];
  sizes?: number[];
  objects?: Array<{ count: number; bytes: number }>;
  direction?: 'down' | 'up';
  capture: boolean;
  keepCaptures?: string;
  server?: ServerName[];
  client?: ClientName[];
}

/** A scenario's cases for the sizes or objects asked for; a scenario that refuses them says why (exit 2). */
function casesFor(make: () => CaseDefinition[]): CaseDefinition[] {
  try {
    return make();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function scenarioCommand(): Command {
  const command = new Command('scenario')
    .description(`run a scenario (default: ${DEFAULT_SCENARIO}) and write its result JSON`)
    .argument('[name]', `scenario to run: ${SCENARIO_NAMES.join(', ')}`)
    .option('--list', 'list the scenarios and exit')
    .option('--list-profiles', 'list the named link profiles and exit')
    .option('--samples <n>', 'samples per case, after warm-up', integerInRange('--samples', 1, 100_000))
    .option('--warmup <n>', 'warm-up samples per case (not recorded)', integerInRange('--warmup', 0, 1000))
    .option('--timeout <duration>', 'timeout of one sample, e.g. 10s', parseDurationMs)
    .option('--out <file>', 'also write the result JSON to this file')
    .option('--results-dir <dir>', 'directory for result files', DEFAULT_RESULTS_DIR)
    .option('--json', 'print the result document on stdout instead of the summary table')
    .option('--quic-initial-rtt <duration>', "ngtcp2's initial RTT on both sides (default 333ms, RFC 9002)", parseDurationMs)
    .option('--sizes <sizes>', 'transfer scenarios: body sizes, e.g. 1MB,10MB,100MB', sizeList)
    .option('--direction <dir>', 'transfer scenarios: down (the server sends) or up (the client sends)', oneOf('--direction', ['down', 'up'] as const))
    .option('--objects <sets>', 'page-load scenarios: objects loaded at once, e.g. 100x10KB,20x200KB', objectSetList)
    .option('--variants <ids>', 'run only these cases (comma-separated case ids, e.g. quic-h3-0rtt,tcp-tls-h2)', commaList)
    .option('--server <names>', `servers to run every case on: ${SERVER_NAMES.join(', ')} (default: each case's own)`, choiceList('--server', SERVER_NAMES))
    .option('--client <names>', `clients to run every case with: ${CLIENT_NAMES.join(', ')} (default: each case's own)`, choiceList('--client', CLIENT_NAMES))
    .option('--no-capture', 'no packet capture (scenarios that check timings against the wire)')
    .option('--keep-captures <dir>', 'keep the packet capture and its TLS key log (0600) in this directory');
  return addLinkOptions(command).action(async (name: string | undefined, options: ScenarioOptions) => {
    if (options.listProfiles) {
      process.stdout.write(listProfilesText());
      return;
    }
    if (options.list) {
      for (const s of [...SCENARIOS, CALIBRATION]) process.stdout.write(`${s.name.padEnd(12)} ${s.abbreviation.padEnd(4)} ${s.description}\n`);
      return;
    }
    const isCalibration = name === CALIBRATION.name;
    const found = isCalibration ? calibrationOnly : findScenario(name ?? DEFAULT_SCENARIO);
    if (!found) throw new UsageError(`unknown scenario "${name}"; choose one of: ${SCENARIO_NAMES.join(', ')}`);
    let scenario = found;
    if (options.sizes !== undefined || options.direction !== undefined) {
      if (!found.transfers) throw new UsageError(`--sizes and --direction apply to transfer scenarios, not ${found.name}`);
      const transfer = { sizesBytes: options.sizes ?? found.transfers.defaults.sizesBytes, direction: options.direction ?? found.transfers.defaults.direction };
      scenario = { ...found, cases: casesFor(() => found.transfers?.cases(transfer) ?? []) };
    }
    if (options.objects !== undefined) {
      if (!found.objectSets) throw new UsageError(`--objects applies to page-load scenarios, not ${found.name}`);
      const sets = options.objects;
      scenario = { ...scenario, cases: casesFor(() => found.objectSets?.cases(sets) ?? []) };
    }
    if (options.variants !== undefined) {
      try {
        scenario = selectCases(scenario, options.variants);
      } catch (error) {
        if (error instanceof UnknownVariantError) throw new UsageError(error.message);
        throw error;
      }
    }
    if (options.server !== undefined || options.client !== undefined) {
      const base = scenario;
      scenario = expandMatrix(base, { ...(options.server ? { servers: options.server } : {}), ...(options.client ? { clients: options.client } : {}) });
      if (scenario.cases.length === 0) {
        const kinds = [...new Set(base.cases.map((c) => `${c.protocol === 'quic' ? 'QUIC' : 'TCP+TLS'} ${c.application}`))].join(', ');
        throw new UsageError(`no case of ${base.name} (${kinds}) can run on --server ${(options.server ?? ['its own']).join(',')} with --client ${(options.client ?? ['its own']).join(',')}`);
      }
    }
    if (options.keepCaptures !== undefined && (!scenario.wireTruth || !options.capture)) {
      throw new UsageError(`--keep-captures: ${scenario.wireTruth ? 'drop --no-capture' : `${scenario.name} records no packet capture`}`);
    }
    if (isCalibration && options.link === 'loopback') throw new UsageError('calibration measures the lab link: drop --link loopback');
    const onLab = isCalibration || (options.link !== undefined ? options.link !== 'loopback' : wantsLab(options));
    if (!onLab && wantsLab(options)) throw new UsageError('link options need the lab: drop --link loopback');
    const labOnly = scenario.needsLab ?? (scenario.cases.some((c) => c.impairment !== undefined) ? 'it changes the lab link during the run' : undefined);
    if (!onLab && labOnly !== undefined) {
      throw new UsageError(`${scenario.name} runs on the lab only (${labOnly}): give link options, e.g. --profile lan or --rtt 40ms --rate 20mbit`);
    }
    let conditions;
    try {
      conditions = linkConditionsFrom(options);
    } catch (error) {
      if (error instanceof UnitError) throw new UsageError(error.message);
      throw error;
    }
    const pki = await ensurePki({}, DEFAULT_CERTS_DIR);
    const progress = progressReporter();
    let lab: Lab | null = null;
    let wireTap: RunWireTap | undefined;
    const pkiSet = new PkiSet();
    try {
      if (onLab) {
        progress?.({ kind: 'setup', message: 'building the lab network' });
        lab = await startLab({
          conditions,
          backend: options.link === undefined || options.link === 'loopback' ? 'auto' : options.link,
          ...(options.cc !== undefined ? { tcpCongestionControl: options.cc } : {}),
          purpose: `scenario ${scenario.name}`,
        });
      }
      const placement: EndpointPlacement = lab
        ? { serverHost: lab.addresses.serverIpv4, clientNetns: lab.namespaces.client, serverNetns: lab.namespaces.server }
        : { serverHost: '127.0.0.1' };
      if (options.quicInitialRtt !== undefined) placement.quic = { ...placement.quic, initialRttMs: options.quicInitialRtt };
      if (scenario.transfers) placement.recordServerRecovery = true;
      placement.bodySizes = bodySizesOf(scenario.cases);
      const bdpBytes = lab ? Math.max(directionBdpBytes(lab.conditions, 'up') ?? 0, directionBdpBytes(lab.conditions, 'down') ?? 0) : 0;
      if (bdpBytes > 0) placement.bdpBytes = bdpBytes;
      // The same controller on both transports: the names --cc takes mean the same in ngtcp2.
      if (options.cc !== undefined) placement.quic = { ...placement.quic, congestionControl: options.cc };
      if (scenario.wireTruth && options.capture) {
        wireTap = await RunWireTap.create({
          interfaceName: lab ? LAB_DEVICE : 'lo',
          ...(lab ? { netns: lab.namespaces.client } : {}),
          ...(options.keepCaptures !== undefined ? { keepDir: options.keepCaptures, keepPrefix: newRunId(scenario.name) } : {}),
        });
        placement.keylogFile = wireTap.keylogFile;
      }
      const link: LinkInfo = lab
        ? {
            backend: lab.backend,
            profile: options.profile ?? null,
            configured: { ...conditions, namespaceSettings: lab.settings, ...(bdpBytes > 0 ? { bandwidthDelayProductBytes: bdpBytes } : {}) },
            achieved: null,
          }
        : { backend: 'loopback', profile: null, configured: {}, achieved: null };
      if (lab) {
        // Before measuring: what the link really does, recorded beside what was asked for.
        progress?.({ kind: 'setup', message: 'calibrating the link' });
        link.achieved = { calibration: await calibrateLab(lab) };
        if (scenario.linkReference) {
          const direction = scenario.cases.some((c) => c.parameters.direction === 'up') ? 'up' : 'down';
          progress?.({ kind: 'setup', message: `iperf3 TCP reference (${direction})` });
          link.achieved.tcpReference = await tcpReference(lab, { direction, congestionControl: options.cc ?? 'cubic', seconds: TCP_REFERENCE_SECONDS });
        }
      }
      const calibratedRoundTripMs = (link.achieved?.calibration as { rttMedianMs?: number | null } | undefined)?.rttMedianMs ?? undefined;
      await lab?.emulator?.resetStats();
      // Cases that change the link while the run goes (impairments, rebinding) need the emulator.
      const emulatorLab = lab?.emulator ? lab : null;
      const document = await runScenario(scenario, {
        samples: options.samples ?? scenario.defaults.samples,
        warmup: options.warmup ?? scenario.defaults.warmup,
        sampleTimeoutMs: options.timeout ?? scenario.defaults.sampleTimeoutMs,
        tls: pki.material,
        certificates: pki.info,
        certificatesFor: async (spec) => {
          const made = await pkiSet.get(spec);
          return { material: made.material, info: made.info };
        },
        ...(wireTap ? { wireTap } : {}),
        ...(calibratedRoundTripMs !== undefined ? { roundTripMs: calibratedRoundTripMs } : {}),
        ...(lab ? { namespaces: lab.namespaces } : {}),
        ...(emulatorLab ? { setImpairment: (impairment: Impairment | undefined) => applyImpairment(emulatorLab, impairment), linkControl: { rebind: (kind: 'port' | 'address') => emulatorLab.emulator?.rebind(kind) ?? Promise.resolve() } } : {}),
        link,
        endpoints: endpointFactory(placement),
        signal: interruptSignal,
        ...(progress ? { onProgress: progress } : {}),
      });
      if (lab) document.link.achieved = { ...document.link.achieved, emulatorStatsDuringRun: await lab.linkStats() };
      endProgress();
      const paths = [defaultResultPath(document, options.resultsDir), ...(options.out ? [options.out] : [])];
      await writeResult(document, paths);
      let reports: string[] = [];
      if (!isCalibration) {
        reports = await writeReportsBeside(document, paths).catch((error: unknown) => {
          process.stderr.write(`warning: reports not written (the result JSON is): ${error instanceof Error ? error.message : String(error)}\n`);
          return [];
        });
      }
      if (options.json) {
        process.stdout.write(JSON.stringify(document, null, 2) + '\n');
      } else if (isCalibration && lab) {
        const calibration = (document.link.achieved as { calibration: Awaited<ReturnType<typeof calibrateLab>> }).calibration;
        process.stdout.write(`calibration (${describeLink(document.link)})\n`);
        process.stdout.write(renderCalibrationTable(calibrationRows(lab.conditions, calibration)));
        process.stdout.write(`result: ${paths.join(', ')}\n`);
      } else {
        process.stdout.write(renderTextSummary(document));
        process.stdout.write(`result: ${paths.join(', ')}\n`);
        if (reports.length > 0) process.stdout.write(`reports: ${reports.join(', ')}\n`);
      }
      if (document.status !== 'completed') process.exitCode = document.status === 'aborted' ? 130 : 1;
    } finally {
      await wireTap?.dispose();
      await pkiSet.dispose();
      await lab?.stop();
    }
  });
}
