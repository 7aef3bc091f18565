// The server's HTTP/3 SETTINGS as the peer client reported them (peers/CONTRACT.md,
// "h3Settings"): ids named where an RFC defines them, every other id kept by number.

/** Setting ids an RFC defines for HTTP/3, by the name the RFC gives (less the SETTINGS_ prefix). */
export const H3_SETTING_NAMES: ReadonlyMap<number, string> = new Map([
  [0x01, 'QPACK_MAX_TABLE_CAPACITY'], // RFC 9204 section 5
  [0x06, 'MAX_FIELD_SECTION_SIZE'], // RFC 9114 section 7.2.4.1
  [0x07, 'QPACK_BLOCKED_STREAMS'], // RFC 9204 section 5
  [0x08, 'ENABLE_CONNECT_PROTOCOL'], // RFC 9220 (RFC 8441's extended CONNECT over HTTP/3)
  [0x33, 'H3_DATAGRAM'], // RFC 9297 section 2.1.1
]);

/** HTTP/2's settings 0x02-0x05 have no HTTP/3 meaning; receiving one is an error (RFC 9114 section 7.2.4.1). */
const HTTP2_ONLY_IDS: ReadonlySet<number> = new Set([0x02, 0x03, 0x04, 0x05]);

export interface H3Setting {
  id: number;
  /** The RFC's name; 'GREASE' for the reserved ids 0x1f * N + 0x21 (RFC 9114 section 7.2.4.1), 'HTTP/2 only' for 0x02-0x05; null: unknown. */
  name: string | null;
  value: number;
}

export interface H3Settings {
  /** A SETTINGS frame arrived before the client reported; false: none had. */
  received: boolean;
  settings: H3Setting[];
}

export function h3SettingName(id: number): string | null {
  const known = H3_SETTING_NAMES.get(id);
  if (known !== undefined) return known;
  if (HTTP2_ONLY_IDS.has(id)) return 'HTTP/2 only';
  // Reserved ids exist so that unknown ones are ignored; doubles are exact below 2^53.
  if (id >= 0x21 && Number.isSafeInteger(id) && (id - 0x21) % 0x1f === 0) return 'GREASE';
  return null;
}

/**
 * The contract's `h3Settings` (pairs already checked to be non-negative integers): null when
 * the client does not report SETTINGS (the field is absent).
 */
export function h3Settings(pairs: ReadonlyArray<readonly [number, number]> | null | undefined): H3Settings | null {
  if (pairs === undefined) return null;
  if (pairs === null) return { received: false, settings: [] };
  return { received: true, settings: pairs.map(([id, value]) => ({ id, name: h3SettingName(id), value })) };
}

/** One line's worth: "QPACK_MAX_TABLE_CAPACITY=0, 0x2b603742=1"; unknown and reserved ids by number. */
export function renderH3Settings(settings: H3Settings): string {
  if (!settings.received) return 'none received';
  if (settings.settings.length === 0) return 'an empty SETTINGS frame (every default)';
  return settings.settings.map((s) => `${s.name !== null && H3_SETTING_NAMES.has(s.id) ? s.name : `0x${s.id.toString(16)}${s.name !== null ? ` (${s.name})` : ''}`}=${s.value}`).join(', ');
}
