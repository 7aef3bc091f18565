// One small GET as a sample: the exchange's timings as metrics, the body size checked.
import type { ExchangeClient, RequestSpec } from '../harness/endpoints/types.js';
import type { SampleMeasurement } from '../harness/scenario/types.js';

export async function checkedExchangeMetrics(client: ExchangeClient, spec: RequestSpec, expectedBodyBytes: number): Promise<SampleMeasurement> {
  const timings = await client.exchange(spec);
  if (timings.bodyBytes !== undefined && timings.bodyBytes !== expectedBodyBytes) {
    throw new Error(`received ${timings.bodyBytes} body bytes, expected ${expectedBodyBytes}`);
  }
  const { alpn, resumed: _resumed, earlyDataAccepted: _early, progress: _progress, extraMs, ...metrics } = timings;
  return { metrics: { ...metrics, ...extraMs }, ...(alpn !== undefined ? { clientAlpn: alpn } : {}) };
}
