// The integrity metric every scenario that moves a body records: how many of its bytes were
// checked against the lab's generated pattern (files/body-check.ts) and found right. A wrong
// byte fails the sample instead; where nobody could check the bytes (an upload to a server
// that discards it), the metric is absent, not zero.
import type { MetricDefinition } from '../harness/scenario/types.js';

export const VERIFIED_BODY_BYTES: MetricDefinition = {
  name: 'verifiedBodyBytes',
  unit: 'bytes',
  description: "body bytes checked against the lab's generated pattern and found right (downloads by the client, uploads and SMB puts by the server or its stored file); absent where they could not be checked",
  provenance: { kind: 'measured', sources: ['client body check', "server's upload check", 'stored file check'] },
};

/** The verified bytes of every object, summed; undefined unless every object was checked. */
export function verifiedTotal(objects: ReadonlyArray<{ verifiedBytes?: number }>): number | undefined {
  let total = 0;
  for (const object of objects) {
    if (object.verifiedBytes === undefined) return undefined;
    total += object.verifiedBytes;
  }
  return total;
}

/** `{ verifiedBodyBytes }` when known, else nothing. */
export function verifiedMetric(bytes: number | undefined): { verifiedBodyBytes?: number } {
  return bytes === undefined ? {} : { verifiedBodyBytes: bytes };
}
