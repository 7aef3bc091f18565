// tcpdump and tshark run as the lab's unprivileged user (quic-lab, made by `npm run setup`):
// tcpdump drops to it (-Z) once its device and file are open, tshark is started as it (setpriv),
// and reads the key log through a copy that exists only for the read. Loopback only, no lab.
import t from 'tap';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLabUserDir } from '../../harness/files/lab-user-dir.js';
import { PacketCapture, tcpdumpArguments } from '../../harness/capture/packet-capture.js';
import { readPackets, runTshark } from '../../harness/capture/tshark.js';
import { LAB_USER_NAME, asUser, labUserIfRoot, userFromPasswd } from '../../harness/process/unprivileged.js';

t.test('the lab user from passwd(5), and the command that runs as it', async (t) => {
  t.same(userFromPasswd('root:x:0:0::/root:/bin/bash\nquic-lab:x:994:992::/nonexistent:/usr/sbin/nologin\n', 'quic-lab'), { name: 'quic-lab', uid: 994, gid: 992 });
  t.equal(userFromPasswd('root:x:0:0::/root:/bin/bash\n', 'quic-lab'), null);
  t.same(asUser({ name: 'quic-lab', uid: 994, gid: 992 }, 'tshark', ['-r', 'x.pcap']), {
    command: 'setpriv',
    args: ['--reuid=994', '--regid=992', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--pdeathsig=KILL', '--reset-env', '--', 'tshark', '-r', 'x.pcap'],
  });
  t.same(tcpdumpArguments({ interfaceName: 'lo', filter: 'udp', file: '/x/c.pcap' }, 'quic-lab').slice(5, 7), ['-Z', 'quic-lab']);
});

const user = await labUserIfRoot();
if (user === null) {
  t.pass('not root: nothing runs with privileges to drop');
} else {
  t.equal(user.name, LAB_USER_NAME);

  t.test('tshark is started as the lab user, with none of root’s groups or capabilities', async (t) => {
    const dir = await makeLabUserDir('qlab-unprivileged-');
    t.teardown(() => dir.remove());
    // `sh` in tshark's place shows what tshark would run as.
    const out = await runTshark(join(dir.path, 'none.pcap'), ['-c', 'id -u; id -g; id -G; grep ^CapEff /proc/self/status; echo $HOME'], { command: 'sh' });
    t.same(out.trim().split('\n'), [String(user.uid), String(user.gid), String(user.gid), 'CapEff:\t0000000000000000', '/nonexistent']);
    // Changing the user clears the parent-death signal: the drop sets it again.
    t.match(await runTshark(join(dir.path, 'none.pcap'), ['--dump'], { command: 'setpriv' }), /Parent death signal: KILL/);
  });

  t.test('a loopback capture is written as the lab user into its private directory, and read back as it', async (t) => {
    const dir = await makeLabUserDir('qlab-unprivileged-');
    t.teardown(() => dir.remove());
    const info = await stat(dir.path);
    t.same([info.uid, info.mode & 0o777], [user.uid, 0o700], 'the directory is the lab user’s, private');
    const file = join(dir.path, 'lo.pcap');
    const capture = await PacketCapture.start({ interfaceName: 'lo', filter: 'udp port 9', file });
    await capture.stop();
    t.equal((await stat(file)).uid, user.uid, 'tcpdump wrote it after dropping to the lab user');

    // A root-only key log (0600) is read through a copy the lab user owns for the read only.
    const keylog = join(tmpdir(), `qlab-unprivileged-keys-${process.pid}.log`);
    await writeFile(keylog, 'CLIENT_RANDOM 00 00\n', { mode: 0o600, flag: 'wx' });
    t.teardown(() => rm(keylog, { force: true }));
    const before = new Set(await readdir(tmpdir()));
    t.same(await readPackets(file, { keylogFile: keylog }), [], 'an empty capture, read as the lab user with the key log');
    const after = (await readdir(tmpdir())).filter((name) => !before.has(name) && name.startsWith('quic-lab-tshark-keys-'));
    t.same(after, [], 'the key log copy is gone after the read');
    t.equal(await readFile(keylog, 'utf8'), 'CLIENT_RANDOM 00 00\n');
  });
}
