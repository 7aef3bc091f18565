// `lab status`'s survey: each thing found, whether its owner runs, and what `lab down` does with
// it (the reaper's own rule: a named owner that is gone), as data and as text.
import t from 'tap';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { surveyEntries, surveyText, type LabSurvey } from '../../harness/lab/lab-survey.js';
import { findOwnedTempDirs } from '../../harness/files/owned-temp-dir.js';
import { reapable } from '../../harness/process/proc-table.js';

const survey: LabSurvey = {
  namespaces: [
    { name: 'qlab-111-ab12-c', ownerPid: 111, ownerAlive: false, processes: [{ pid: 5001, command: 'sleep' }] },
    { name: 'qlab-222-cd34-c', ownerPid: 222, ownerAlive: true, processes: [] },
    {
      name: 'qlab-333-ef56-s',
      ownerPid: 333,
      ownerAlive: true,
      processes: [
        { pid: 5002, command: 'link-emulator' },
        { pid: 5003, command: 'x\u001b[31m' },
      ],
    },
    { name: 'qlab-bench-444-a', ownerPid: 444, ownerAlive: false, processes: [] },
    { name: 'qlab-manual', ownerPid: null, ownerAlive: false, processes: [] },
  ],
  tempDirs: [
    { path: '/tmp/quic-lab-capture-pid111-AbC123', ownerPid: 111, ownerAlive: false },
    { path: '/tmp/quic-lab-gtlsserver-pid333-XyZ789', ownerPid: 333, ownerAlive: true },
  ],
  states: [
    { labId: '111-ab12', ownerPid: 111, ownerAlive: false },
    { labId: '333-ef56', ownerPid: 333, ownerAlive: true },
  ],
};

t.test('reapable: a named owner that is gone, never the reaper itself', async (t) => {
  t.equal(reapable({ ownerPid: 10, ownerAlive: false }, 99), true);
  t.equal(reapable({ ownerPid: 10, ownerAlive: true }, 99), false);
  t.equal(reapable({ ownerPid: null, ownerAlive: false }, 99), false, 'no owner in the name: not the reaper’s');
  t.equal(reapable({ ownerPid: 99, ownerAlive: false }, 99), false, "the reaper's own");
});

t.test('each thing: its owner, and what lab down does (333 is a lab up daemon)', async (t) => {
  t.strictSame(
    surveyEntries(survey, new Set([333])).map((e) => [e.kind, e.name, e.ownerPid, e.ownerAlive, e.down]),
    [
      ['namespace', 'qlab-111-ab12-c', 111, false, 'removes'],
      ['namespace', 'qlab-222-cd34-c', 222, true, 'leaves'],
      ['namespace', 'qlab-333-ef56-s', 333, true, 'stops its lab'],
      ['namespace', 'qlab-bench-444-a', 444, false, 'removes'],
      ['namespace', 'qlab-manual', null, false, 'leaves'],
      ['temp dir', '/tmp/quic-lab-capture-pid111-AbC123', 111, false, 'removes'],
      ['temp dir', '/tmp/quic-lab-gtlsserver-pid333-XyZ789', 333, true, 'stops its lab'],
      ['lab state', '111-ab12', 111, false, 'removes'],
      ['lab state', '333-ef56', 333, true, 'stops its lab'],
    ],
  );
  t.strictSame(
    surveyEntries(survey, new Set()).map((e) => e.down),
    ['removes', 'leaves', 'leaves', 'removes', 'leaves', 'removes', 'leaves', 'removes', 'leaves'],
    'without a daemon, live owners are left alone',
  );
});

t.test('as text: one line each, control characters escaped', async (t) => {
  t.equal(
    surveyText(surveyEntries(survey, new Set([333]))),
    [
      'on this host (what npm run lab -- down would do):',
      '  namespace qlab-111-ab12-c: owner pid 111 is gone, processes inside: 5001 (sleep); lab down removes it',
      '  namespace qlab-222-cd34-c: owner pid 222 is alive; lab down leaves it',
      '  namespace qlab-333-ef56-s: owner pid 333 is alive, processes inside: 5002 (link-emulator), 5003 (x\\x1b[31m); lab down stops its lab',
      '  namespace qlab-bench-444-a: owner pid 444 is gone; lab down removes it',
      '  namespace qlab-manual: no owner in its name; lab down leaves it',
      '  temp dir /tmp/quic-lab-capture-pid111-AbC123: owner pid 111 is gone; lab down removes it',
      '  temp dir /tmp/quic-lab-gtlsserver-pid333-XyZ789: owner pid 333 is alive; lab down stops its lab',
      '  lab state 111-ab12: owner pid 111 is gone; lab down removes it',
      '  lab state 333-ef56: owner pid 333 is alive; lab down stops its lab',
      '',
    ].join('\n'),
  );
  t.equal(surveyText([]), 'nothing of the lab on this host: no lab namespace, owned temporary directory or lab state\n');
});

t.test('findOwnedTempDirs: the directories the sweep goes by, with their owners', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-survey-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const child = spawn('true');
  await new Promise((done) => child.once('exit', done));
  const dead = child.pid ?? 0;
  for (const name of [`quic-lab-capture-pid${dead}-AbC123`, 'quic-lab-capture-pid1-AbC123', `quic-lab-capture-pid${process.pid}-AbC123`, 'quic-lab-result-AbC123']) await mkdir(join(dir, name));
  t.strictSame(
    await findOwnedTempDirs(dir),
    [
      { path: join(dir, `quic-lab-capture-pid${dead}-AbC123`), ownerPid: dead, ownerAlive: false },
      { path: join(dir, 'quic-lab-capture-pid1-AbC123'), ownerPid: 1, ownerAlive: true },
    ].sort((a, b) => (a.path < b.path ? -1 : 1)),
  );
});
