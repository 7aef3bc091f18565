// Campaign files: YAML and JSON read into the same campaign; every kind of bad input refused
// before any run, with the line and column of what is wrong and the scenario command's own words.
import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampaignFileError, loadCampaign, parseCampaign, runFlags, type CampaignLink, type CampaignScenario } from '../../harness/campaign/campaign-file.js';
import { projectPath } from '../../harness/project-root.js';

const GOOD_YAML = `name: nightly
description: two scenarios on two links
scenarios:
  - handshake
  - name: throughput
    options:
      sizes: [100KB, 1MB]
      samples: 3
profiles: [broadband, 4g]
links:
  - name: lossy
    rtt: 60ms
    loss: 1%
    rate: 50mbit
options:
  samples: 2
  warmup: 0
  timeout: 5s
repetitions: 2
order: listed
seed: 7
pauseSeconds: 1
thresholds:
  - quic-h3 handshakeRoundTrips p50 < 1.2
`;

t.test('a good YAML file: options merged (the scenario over the campaign), links resolved, thresholds parsed', async (t) => {
  const campaign = await parseCampaign(GOOD_YAML, 'c.yaml');
  t.equal(campaign.name, 'nightly');
  t.same(
    campaign.scenarios.map((s) => s.name),
    ['handshake', 'throughput'],
  );
  t.same(campaign.scenarios[0]?.options, { samples: 2, warmup: 0, timeout: 5000 });
  t.same(campaign.scenarios[1]?.options, { samples: 3, warmup: 0, timeout: 5000, sizes: [100_000, 1_000_000] });
  t.same(campaign.links, [
    { name: 'broadband', options: { profile: 'broadband' } },
    { name: '4g', options: { profile: '4g' } },
    { name: 'lossy', options: { rtt: '60ms', loss: '1%', rate: '50mbit' } },
  ]);
  t.equal(campaign.repetitions, 2);
  t.equal(campaign.order, 'listed');
  t.equal(campaign.seed, 7);
  t.equal(campaign.pauseSeconds, 1);
  t.same(campaign.thresholds, [{ text: 'quic-h3 handshakeRoundTrips p50 < 1.2', selector: { name: 'quic-h3' }, metric: 'handshakeRoundTrips', statistic: 'p50', comparison: '<', value: 1.2 }]);
});

t.test("a competition's options: duration, stagger, mixes and the message probe reach its runs", async (t) => {
  const campaign = await parseCampaign(
    'name: shared\nscenarios:\n  - name: competition\n    options: { duration: 10s, stagger: 2s, mix: [h3-quiche+iperf3-bbr], messageProbe: ws-long-stream }\nprofiles: [broadband]\n',
    'c.yaml',
  );
  const [scenario] = campaign.scenarios as [CampaignScenario];
  t.same(scenario.options, { duration: 10_000, stagger: 2000, mix: [['h3-quiche', 'iperf3-bbr']], messageProbe: 'ws-long-stream' });
  t.match(runFlags(scenario, campaign.links[0] as CampaignLink, 'results'), { duration: 10_000, stagger: 2000, messageProbe: 'ws-long-stream' });
});

t.test('defaults: one repetition, shuffled, a 5 s pause, no thresholds; an explicit link is named by its options', async (t) => {
  const campaign = await parseCampaign('name: x\nscenarios: [handshake]\nlinks:\n  - { rtt: 60ms, loss: 1% }\n', 'c.yaml');
  t.equal(campaign.repetitions, 1);
  t.equal(campaign.order, 'shuffled');
  t.equal(campaign.seed, undefined);
  t.equal(campaign.pauseSeconds, 5);
  t.same(campaign.thresholds, []);
  t.same(campaign.links, [{ name: 'rtt=60ms loss=1%', options: { rtt: '60ms', loss: '1%' } }]);
});

t.test('JSON is read through the same parser, with positions too', async (t) => {
  const campaign = await parseCampaign(JSON.stringify({ name: 'j', scenarios: ['handshake', { name: 'throughput', options: { sizes: '1MB' } }], profiles: ['lan'], repetitions: 3 }), 'c.json');
  t.same(
    campaign.scenarios.map((s) => s.options),
    [{}, { sizes: [1_000_000] }],
  );
  t.equal(campaign.repetitions, 3);
  await t.rejects(parseCampaign('{"name": "x",\n "scenarios": ["handshake"],\n "profile": ["lan"]}', 'c.json'), {
    message: 'c.json:3:2: unknown key "profile", did you mean "profiles"? (known: name, description, scenarios, profiles, links, targets, options, repetitions, order, seed, pauseSeconds, thresholds)',
  });
});

t.test('loadCampaign reads the file; the example campaigns in campaigns/ are valid', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'campaign-file-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'c.yaml'), GOOD_YAML);
  t.equal((await loadCampaign(join(dir, 'c.yaml'))).name, 'nightly');
  await t.rejects(loadCampaign(join(dir, 'missing.yaml')), { message: `${join(dir, 'missing.yaml')}: cannot read: ENOENT: no such file or directory, open '${join(dir, 'missing.yaml')}'` });
  t.equal((await loadCampaign(projectPath('campaigns/handshake-and-throughput.yaml'))).links.length, 2);
});

const BAD: Array<[string, string, string]> = [
  ['YAML syntax', 'name: x\nscenarios: [handshake\nprofiles: [lan]\n', 'c.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['a duplicate key', 'name: x\nname: y\nscenarios: [handshake]\nprofiles: [lan]\n', 'c.yaml:2:1: Map keys must be unique'],
  ['not a mapping', '- handshake\n', 'c.yaml:1:1: a campaign is a mapping (name, scenarios, profiles or links, ...)'],
  [
    'a misspelt top-level key',
    'name: x\nscenarios: [handshake]\nprofiles: [lan]\nrepetition: 2\n',
    'c.yaml:4:1: unknown key "repetition", did you mean "repetitions"? (known: name, description, scenarios, profiles, links, targets, options, repetitions, order, seed, pauseSeconds, thresholds)',
  ],
  [
    'a misspelt option',
    'name: x\nscenarios: [handshake]\nprofiles: [lan]\noptions:\n  sample: 2\n',
    'c.yaml:5:3: options: unknown key "sample", did you mean "samples"? (known: samples, warmup, timeout, sizes, objects, variants, direction, cc, quicInitialRtt, servers, clients, capture, messageSize, messageRate, duration, mix, stagger, messageProbe)',
  ],
  ['a misspelt scenario key', 'name: x\nscenarios:\n  - name: handshake\n    option: {}\nprofiles: [lan]\n', 'c.yaml:4:5: scenarios[0]: unknown key "option", did you mean "options"? (known: name, options)'],
  [
    'a misspelt link option',
    'name: x\nscenarios: [handshake]\nlinks:\n  - rtt: 60ms\n    lose: 1%\n',
    'c.yaml:5:5: links[0]: unknown key "lose", did you mean "loss"? (known: name, backend, profile, rtt, delay, upDelay, downDelay, jitter, upJitter, downJitter, jitterReorders, loss, upLoss, downLoss, burstLoss, reorder, duplicate, corrupt, rate, upRate, downRate, queue, seed, cc, outage, rebind)',
  ],
  ['a wrong type', 'name: x\nscenarios: [handshake]\nprofiles: [lan]\nrepetitions: two\n', 'c.yaml:4:14: repetitions: Invalid input: expected number, received string'],
  ['a bad name', 'name: "a b"\nscenarios: [handshake]\nprofiles: [lan]\n', 'c.yaml:1:7: name: letters, digits, ".", "_" and "-", starting with a letter or digit'],
  ['no link', 'name: x\nscenarios: [handshake]\n', 'c.yaml:1:1: give profiles or links (or both): the links every scenario runs on'],
  [
    'an unknown scenario',
    'name: x\nscenarios: [handshake, handshak]\nprofiles: [lan]\n',
    'c.yaml:2:24: handshak on lan: scenario: unknown "handshak", did you mean "handshake"? (one of: handshake, certificate-size, throughput, loss-recovery, multiplexing, migration, smb-copy, interop, realtime, competition, calibration)',
  ],
  [
    'an unknown profile',
    'name: x\nscenarios: [handshake]\nprofiles: [lan, 4G]\n',
    'c.yaml:3:17: unknown profile "4G", did you mean "4g"? (one of: lan, broadband, cable, dsl, 4g, 3g, 2g-rural, satellite-geo, lossy-wifi, interop, transfer-loss, handshake-loss, blackhole)',
  ],
  [
    'a size without a unit',
    'name: x\nscenarios:\n  - name: throughput\n    options: { sizes: "10" }\nprofiles: [lan]\n',
    'c.yaml:4:23: scenarios[0].options.sizes: "10" needs a unit: b, kb, kib, mb, mib, gb or gib (e.g. 10MB)',
  ],
  ['sizes on a scenario without transfers', 'name: x\nscenarios:\n  - handshake\nprofiles: [lan]\noptions: { sizes: 1MB }\n', 'c.yaml:3:5: handshake on lan: --sizes, --direction: apply to transfer scenarios, not handshake'],
  [
    'an unknown variant',
    'name: x\nscenarios: [handshake]\nprofiles: [lan]\noptions: { variants: [quic-h4] }\n',
    'c.yaml:2:13: handshake on lan: handshake has no variant "quic-h4"; its variants: tcp-tls-h1, tcp-tls-h1-resumed, tcp-tls-h1-0rtt, tcp-tls-h2, tcp-tls-h2-resumed, tcp-tls-h2-0rtt, quic-h3, quic-h3-resumed, quic-h3-0rtt',
  ],
  ['samples out of range', 'name: x\nscenarios: [handshake]\nprofiles: [lan]\noptions: { samples: 0 }\n', 'c.yaml:2:13: handshake on lan: --samples: 0 is out of range (1 to 100000)'],
  ['an unknown server', 'name: x\nscenarios: [handshake]\nprofiles: [lan]\noptions: { servers: [nginx] }\n', 'c.yaml:4:21: options.servers: unknown value "nginx" (one of: node, ngtcp2, quic-go, quiche, aioquic, caddy)'],
  [
    'a lab-only scenario on loopback',
    'name: x\nscenarios:\n  - migration\nlinks:\n  - backend: loopback\n',
    "c.yaml:3:5: migration on backend=loopback: migration runs on the lab only (it changes the lab link during the run): drop --link loopback (the lab's default link is the broadband profile)",
  ],
  ['a link value without a unit', 'name: x\nscenarios: [handshake]\nlinks:\n  - rtt: 60\n', 'c.yaml:4:5: links[0]: --rtt "60" needs a unit: us, ms or s (e.g. 30ms)'],
  ['two links of one name', 'name: x\nscenarios: [handshake]\nprofiles: [lan]\nlinks:\n  - { name: lan, rtt: 1ms }\n', 'c.yaml:5:5: two links named "lan": give each link a name of its own'],
  [
    'a bad threshold',
    'name: x\nscenarios: [handshake]\nprofiles: [lan]\nthresholds:\n  - quic-h3 handshakeMs p99 < 3\n',
    'c.yaml:5:5: threshold "quic-h3 handshakeMs p99 < 3": "p99" is not a statistic (one of: p50, mean, p95, p5, min, max)',
  ],
  [
    'a target URL without {bytes}',
    'name: x\nscenarios: [handshake]\ntargets:\n  - url: https://iis.example/files/1000\n',
    'c.yaml:4:10: targets[0]: --target: the URL needs {bytes} once, as the last path segment where the body size goes (e.g. https://server.example/files/{bytes}); the server must serve the lab\'s bodies there (npm run target-files), got "https://iis.example/files/1000"',
  ],
  [
    'a bad --resolve',
    'name: x\nscenarios: [handshake]\ntargets:\n  - { url: "https://iis.example/{bytes}", resolve: iis.example }\n',
    'c.yaml:4:52: targets[0]: --resolve wants HOST:PORT:ADDRESS with an IP address, got "iis.example"',
  ],
  [
    'a bad maxBytes',
    'name: x\nscenarios: [handshake]\ntargets:\n  - { url: "https://iis.example/{bytes}", maxBytes: "10" }\n',
    'c.yaml:4:53: targets[0].maxBytes: "10" needs a unit: b, kb, kib, mb, mib, gb or gib (e.g. 10MB)',
  ],
  [
    'links with direct targets only',
    'name: x\nscenarios: [handshake]\nprofiles: [lan]\ntargets:\n  - url: https://iis.example/{bytes}\n',
    'c.yaml:3:11: profiles and links apply to viaLab targets: these targets are measured directly (add viaLab: true)',
  ],
  [
    'a viaLab target without links',
    'name: x\nscenarios: [handshake]\ntargets:\n  - { url: "https://iis.example/{bytes}", viaLab: true }\n',
    'c.yaml:1:1: give profiles or links (or both): the links every viaLab target runs on',
  ],
  [
    'a scenario that cannot run against a target',
    'name: x\nscenarios: [migration]\ntargets:\n  - url: https://iis.example/{bytes}\n',
    'c.yaml:2:13: migration on direct>iis.example: --target: migration cannot run against a remote server (handshake, throughput and multiplexing can)',
  ],
  [
    'a plan over the budget',
    'name: x\nscenarios: [throughput]\ntargets:\n  - { url: "https://iis.example/{bytes}", maxBytes: 10MB }\n',
    'c.yaml:2:13: throughput on direct>iis.example: --target: the run would move 198MB of bodies (every sample and warm-up), over --max-bytes 10MB: use fewer --samples or smaller --sizes, or raise --max-bytes',
  ],
  [
    'two targets of one name',
    'name: x\nscenarios: [handshake]\ntargets:\n  - url: https://iis.example/{bytes}\n  - url: https://iis.example:8443/{bytes}\n',
    'c.yaml:5:5: two targets named "iis.example": give each a name of its own',
  ],
];

t.test('targets: each directly, or on each link with viaLab; their flags reach the run', async (t) => {
  const campaign = await parseCampaign(
    'name: remote\nscenarios: [handshake]\nprofiles: [4g]\nlinks:\n  - { name: far, rtt: 200ms }\ntargets:\n  - { url: "https://iis.example/files/{bytes}", ca: ca.pem, maxBytes: 100MB }\n  - { name: lab-iis, url: "https://server.lab.example:8443/{bytes}", resolve: "server.lab.example:8443:198.19.252.2", viaLab: true }\n',
    'c.yaml',
  );
  t.same(
    campaign.links.map((l) => [l.name, l.target]),
    [
      ['direct>iis.example', { target: 'https://iis.example/files/{bytes}', ca: 'ca.pem', maxBytes: 100_000_000 }],
      ['4g>lab-iis', { target: 'https://server.lab.example:8443/{bytes}', resolve: 'server.lab.example:8443:198.19.252.2', viaLab: true }],
      ['far>lab-iis', { target: 'https://server.lab.example:8443/{bytes}', resolve: 'server.lab.example:8443:198.19.252.2', viaLab: true }],
    ],
  );
  const flags = runFlags(campaign.scenarios[0] as CampaignScenario, campaign.links[1] as CampaignLink, 'out');
  t.match(flags, { profile: '4g', target: 'https://server.lab.example:8443/{bytes}', viaLab: true, resultsDir: 'out' });
});

for (const [what, text, message] of BAD) {
  t.test(`refused: ${what}`, async (t) => {
    const error = await parseCampaign(text, 'c.yaml').then(
      () => null,
      (e: unknown) => e,
    );
    t.type(error, CampaignFileError);
    t.equal((error as Error).message, message);
  });
}
