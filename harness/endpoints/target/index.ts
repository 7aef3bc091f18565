// A remote target (--target URL): the server role of a run against someone else's deployment.
// Not selectable with --server: the run puts it in place of every case's server.
import { defineImplementation, knownVersion } from '../descriptor.js';
import { REMOTE_SPEAKS, RemoteTargetServer } from './server.js';

export const target = defineImplementation({
  name: 'target',
  install: 'nothing: a server someone already runs, named by --target',
  server: {
    name: 'target',
    implementation: 'target',
    selectable: false,
    speaks: REMOTE_SPEAKS,
    sessionModes: ['cold', 'resumed', 'early-data'],
    version: () => knownVersion('remote'),
  },
  open(placement) {
    return {
      server: () => {
        if (placement.remoteServer === undefined) throw new Error('the target server needs a run with --target');
        return new RemoteTargetServer(placement.remoteServer);
      },
    };
  },
});
