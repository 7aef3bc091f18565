import t from 'tap';
import { parseContractOutput } from '../../harness/endpoints/peer-program/contract.js';
import { h3SettingName, h3Settings, renderH3Settings } from '../../harness/probe/h3-settings.js';
import { connectionResult } from '../../harness/probe/quic-handshake.js';

const line = (fields: object): string => JSON.stringify({ implementation: 'aioquic', version: '1.7.2', clockResolutionMs: 0.001, timingSource: 'x', handshakeMs: 2, alpn: 'h3', status: 200, ...fields });

t.test('setting ids: the RFCs names, HTTP/2-only, GREASE, unknown', async (t) => {
  t.same([0x01, 0x06, 0x07, 0x08, 0x33].map(h3SettingName), ['QPACK_MAX_TABLE_CAPACITY', 'MAX_FIELD_SECTION_SIZE', 'QPACK_BLOCKED_STREAMS', 'ENABLE_CONNECT_PROTOCOL', 'H3_DATAGRAM']);
  t.same([0x02, 0x05].map(h3SettingName), ['HTTP/2 only', 'HTTP/2 only']);
  t.same([0x21, 0x21 + 0x1f, 0x21 + 0x1f * 1000].map(h3SettingName), ['GREASE', 'GREASE', 'GREASE']);
  t.same([0x00, 0x09, 0x22, 0x2b603742].map(h3SettingName), [null, null, null, null]);
});

t.test('the contract field: pairs, null, absent', async (t) => {
  const pairs = parseContractOutput(
    'aioquic',
    line({
      h3Settings: [
        [6, 65536],
        [1, 0],
        [0x2b603742, 1],
        [0x21, 7],
      ],
    }),
    0,
  ).h3Settings;
  t.same(h3Settings(pairs), {
    received: true,
    settings: [
      { id: 6, name: 'MAX_FIELD_SECTION_SIZE', value: 65536 },
      { id: 1, name: 'QPACK_MAX_TABLE_CAPACITY', value: 0 },
      { id: 0x2b603742, name: null, value: 1 },
      { id: 0x21, name: 'GREASE', value: 7 },
    ],
  });
  t.same(h3Settings(parseContractOutput('aioquic', line({ h3Settings: null }), 0).h3Settings), { received: false, settings: [] });
  t.equal(h3Settings(parseContractOutput('quic-go', line({}), 0).h3Settings), null);
  for (const bad of [[[1, -1]], [['1', 0]], [[1.5, 0]], [[1, 2, 3]], { 1: 0 }]) {
    t.throws(() => parseContractOutput('aioquic', line({ h3Settings: bad }), 0), /aioquic client: its output does not follow peers\/CONTRACT.md \(h3Settings/, JSON.stringify(bad));
  }
});

t.test('the probe keeps SETTINGS of a completed handshake only', async (t) => {
  const ok = parseContractOutput('aioquic', line({ h3Settings: [[1, 4096]] }), 0);
  t.same(connectionResult('cold', ok, null).h3Settings, { received: true, settings: [{ id: 1, name: 'QPACK_MAX_TABLE_CAPACITY', value: 4096 }] });
  const failed = parseContractOutput('aioquic', JSON.stringify({ implementation: 'aioquic', version: '1', clockResolutionMs: 1, timingSource: 'x', error: 'timed out' }), 1);
  t.equal(connectionResult('cold', failed, null).h3Settings, null);
});

t.test('rendered on one line: names, unknown and reserved ids by number', async (t) => {
  t.equal(
    renderH3Settings(
      h3Settings([
        [1, 0],
        [6, 65536],
        [7, 0],
        [8, 1],
        [0x33, 1],
        [0x2b603742, 1],
        [0x21, 9],
      ])!,
    ),
    'QPACK_MAX_TABLE_CAPACITY=0, MAX_FIELD_SECTION_SIZE=65536, QPACK_BLOCKED_STREAMS=0, ENABLE_CONNECT_PROTOCOL=1, H3_DATAGRAM=1, 0x2b603742=1, 0x21 (GREASE)=9',
  );
  t.equal(renderH3Settings(h3Settings(null)!), 'none received');
  t.equal(renderH3Settings(h3Settings([])!), 'an empty SETTINGS frame (every default)');
});
