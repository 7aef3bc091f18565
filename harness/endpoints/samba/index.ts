// Samba (Debian 4.17): smbd as the server "samba", smbclient as the client "smbclient"; SMB 3
// over TCP for the smb-copy scenario. One smbd per run, which the run's smbclients log in to.
import { dpkgVersion } from '../../process/dpkg-version.js';
import { defineImplementation, probeVersion } from '../descriptor.js';
import { SambaEndpoint, SmbClientEndpoint } from './endpoints.js';
import { smbclientVersion } from './smbclient.js';

const SMB3 = [{ protocol: 'tcp', application: 'smb3' }] as const;

export const samba = defineImplementation({
  name: 'samba',
  install: 'Debian packages samba and smbclient (npm run setup)',
  server: {
    name: 'samba',
    implementation: 'samba-smbd',
    // SMB's own endpoints run smb-copy only; HTTP scenarios choose among the others.
    selectable: false,
    speaks: SMB3,
    sessionModes: ['cold'],
    version: probeVersion(() => dpkgVersion('samba')),
  },
  client: {
    name: 'smbclient',
    implementation: 'smbclient',
    selectable: false,
    speaks: SMB3,
    sessionModes: ['cold'],
    can: { exchange: 'smbclient times whole copies only', batch: 'one copy at a time', copy: true, messages: 'an SMB client: no messages' },
    version: probeVersion(() => smbclientVersion()),
  },
  open(placement) {
    let server: SambaEndpoint | undefined;
    return {
      server: () => {
        server = new SambaEndpoint({
          host: placement.serverHost,
          ...(placement.serverNetns !== undefined ? { netns: placement.serverNetns } : {}),
          ...(placement.bodySizes !== undefined ? { fileSizes: placement.bodySizes } : {}),
        });
        return server;
      },
      client: (definition) => {
        const encryption = definition.workload.kind === 'copy' && definition.workload.encryption === 'required' ? 'required' : 'off';
        const credentials = () => {
          if (!server) throw new Error(`case ${definition.id}: smbclient needs the run's Samba server`);
          return server.credentials();
        };
        const storedFile = (name: string): string => {
          if (!server) throw new Error(`case ${definition.id}: smbclient needs the run's Samba server`);
          return server.storedFile(name);
        };
        return new SmbClientEndpoint(credentials, encryption, placement.clientNetns, storedFile);
      },
    };
  },
});
