import t from 'tap';
import { predictAmplification, signatureBytes } from '../../harness/probe/amplification.js';

t.test('a leaf and one intermediate, RSA-2048: fits in 3 x 1200', async (t) => {
  // Certificate message 8 + (3+1000+2) + (3+1100+2) = 2118; CertificateVerify 8 + 256 = 264;
  // handshake 2118 + 264 + 200 = 2582 in 3 packets; flight 180 + 2582 + 3 x 60 = 2942.
  t.same(predictAmplification({ chain: [{ derBytes: 1000 }, { derBytes: 1100 }], leafSignatureBytes: 256 }), {
    clientInitialBytes: 1200,
    limitBytes: 3600,
    certificateMessageBytes: 2118,
    certificateVerifyBytes: 264,
    firstFlightBytes: 2942,
    exceedsLimit: false,
    extraRoundTrips: 0,
  });
});

t.test('leaf and 3 intermediates, RSA-4096: over the limit, one extra round trip', async (t) => {
  // 8 + 4 x 1405 = 5628; 8 + 512 = 520; 6348 in 6 packets; 180 + 6348 + 360 = 6888 > 3600.
  const prediction = predictAmplification({ chain: [1400, 1400, 1400, 1400].map((derBytes) => ({ derBytes })), leafSignatureBytes: 512 });
  t.equal(prediction.firstFlightBytes, 6888);
  t.equal(prediction.exceedsLimit, true);
  t.equal(prediction.extraRoundTrips, 1);
});

t.test('a bigger client Initial opens a bigger budget; below 1200 counts as 1200', async (t) => {
  const chain = [2000, 1400].map((derBytes) => ({ derBytes }));
  t.equal(predictAmplification({ chain, leafSignatureBytes: 256 }).firstFlightBytes, 4302);
  t.equal(predictAmplification({ chain, leafSignatureBytes: 256 }).exceedsLimit, true);
  t.equal(predictAmplification({ chain, leafSignatureBytes: 256, clientInitialBytes: 1500 }).exceedsLimit, false, '4302 bytes fit in 3 x 1500');
  t.equal(predictAmplification({ chain, leafSignatureBytes: 256, clientInitialBytes: 900 }).limitBytes, 3600);
});

t.test('several budgets long: as many extra round trips', async (t) => {
  t.equal(predictAmplification({ chain: [{ derBytes: 9000 }], leafSignatureBytes: 512 }).extraRoundTrips, 2);
});

t.test('signature sizes by key', async (t) => {
  t.equal(signatureBytes({ keyType: 'RSA', keyBits: 4096 }), 512);
  t.equal(signatureBytes({ keyType: 'RSA-PSS', keyBits: 2048 }), 256);
  t.equal(signatureBytes({ keyType: 'ECDSA', keyBits: 256, curve: 'P-256' }), 72);
  t.equal(signatureBytes({ keyType: 'ECDSA', keyBits: 384, curve: 'P-384' }), 104);
  t.equal(signatureBytes({ keyType: 'Ed25519', keyBits: 256 }), 64);
});
