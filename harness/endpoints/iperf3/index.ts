// iperf3 (Debian 3.12): a kernel TCP download with a controller chosen per connection (-C), the
// competition scenario's TCP flows. Server "iperf3" (iperf3 -s, one per flow: it runs one test at
// a time), client "iperf3" (iperf3 -c -R: the server sends).
import { defineImplementation, probeVersion } from '../descriptor.js';
import { Iperf3Client } from './client.js';
import { Iperf3Server } from './server.js';
import { iperf3Version } from './version.js';

const PLAIN_TCP = [{ protocol: 'tcp', application: 'none' }] as const;
/** The first server's port; each further server of a run takes the next one. */
export const IPERF3_FIRST_PORT = 5301;

export const iperf3 = defineImplementation({
  name: 'iperf3',
  install: 'Debian package iperf3 (npm run setup)',
  server: {
    name: 'iperf3',
    implementation: 'iperf3-server',
    // Plain TCP bytes: only scenarios that ask for iperf3 by name use it.
    selectable: false,
    speaks: PLAIN_TCP,
    sessionModes: ['cold'],
    sessionNote: 'plain TCP: no session to resume',
    noUploads: 'downloads only: the server sends (-R)',
    oneClientAtATime: 'an iperf3 server runs one test at a time; a second client is told the server is busy',
    version: probeVersion(() => iperf3Version()),
  },
  client: {
    name: 'iperf3',
    implementation: 'iperf3-client',
    selectable: false,
    speaks: PLAIN_TCP,
    sessionModes: ['cold'],
    sessionNote: 'plain TCP: no session to resume',
    noUploads: 'downloads only: the server sends (-R)',
    can: { exchange: true, batch: 'one iperf3 test is one connection and one transfer', copy: 'not a file copy client', messages: 'iperf3 sends bulk data, not messages' },
    version: probeVersion(() => iperf3Version()),
  },
  open(placement) {
    let servers = 0;
    return {
      server: () => new Iperf3Server({ host: placement.serverHost, port: IPERF3_FIRST_PORT + servers++, ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}) }),
      client: (definition) => {
        if (definition.protocol !== 'tcp' || definition.application !== 'none') throw new Error(`iperf3 speaks plain TCP only, not ${definition.protocol}/${definition.application} (case ${definition.id})`);
        return new Iperf3Client(placement.clientNetns !== undefined ? { netns: placement.clientNetns } : {});
      },
    };
  },
});
