// The lab's addresses: benchmarking ranges only (RFC 2544 198.18.0.0/15, RFC 5180 2001:2::/48).

export const LAB_SERVER_NAME = 'server.lab.example';

export const LAB_ADDRESSES = {
  clientIpv4: '198.18.0.1',
  serverIpv4: '198.18.0.2',
  clientIpv6: '2001:2::1',
  serverIpv6: '2001:2::2',
  /** Where an address rebinding moves the client (the emulator rewrites its packets). */
  clientRebindIpv4: '198.18.0.5',
  clientRebindIpv6: '2001:2::5',
} as const;

/** Names and addresses the server certificate must carry. */
export const SERVER_CERTIFICATE_NAMES = {
  dns: [LAB_SERVER_NAME, 'localhost'],
  ip: ['127.0.0.1', '::1', LAB_ADDRESSES.serverIpv4, LAB_ADDRESSES.serverIpv6],
} as const;
