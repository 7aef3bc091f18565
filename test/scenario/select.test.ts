import t from 'tap';
import { selectCases } from '../../harness/scenario/select.js';
import { handshake } from '../../scenarios/handshake.js';

t.test('--variants keeps the named cases in scenario order', async (t) => {
  const chosen = selectCases(handshake, ['quic-h3-0rtt', 'tcp-tls-h2']);
  t.same(
    chosen.cases.map((c) => c.id),
    ['tcp-tls-h2', 'quic-h3-0rtt'],
  );
  t.equal(handshake.cases.length, 9, 'the scenario itself is untouched');
});

t.test('an unknown variant names the valid ones', async (t) => {
  t.throws(() => selectCases(handshake, ['quic-h3-1rtt']), {
    message: 'handshake has no variant "quic-h3-1rtt"; its variants: tcp-tls-h1, tcp-tls-h1-resumed, tcp-tls-h1-0rtt, tcp-tls-h2, tcp-tls-h2-resumed, tcp-tls-h2-0rtt, quic-h3, quic-h3-resumed, quic-h3-0rtt',
  });
});
