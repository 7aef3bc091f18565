// PKIs made on demand for one run (the certificate sweep), each in its own private temporary
// directory, all removed by dispose() or on an interrupt.
import { rm } from 'node:fs/promises';
import { makeOwnedTempDir } from '../files/owned-temp-dir.js';
import { join } from 'node:path';
import { onCleanup } from '../process/cleanup.js';
import type { CertificateSpec } from './generate.js';
import { ensurePki, type LabPki } from './store.js';

export class PkiSet {
  private root: string | undefined;
  private rootMade: Promise<string> | undefined;
  private unregister: (() => void) | undefined;
  private readonly made = new Map<string, Promise<LabPki>>();

  get(spec: CertificateSpec): Promise<LabPki> {
    const key = `${spec.keyType}-${spec.intermediates}`;
    let pki = this.made.get(key);
    if (!pki) {
      pki = this.directory().then((root) => ensurePki({ keyType: spec.keyType, intermediates: spec.intermediates }, join(root, key), true));
      this.made.set(key, pki);
    }
    return pki;
  }

  private directory(): Promise<string> {
    this.rootMade ??= makeOwnedTempDir('quic-lab-pki-').then((root) => {
      this.root = root;
      this.unregister = onCleanup("remove the run's temporary PKIs", () => rm(root, { recursive: true, force: true }));
      return root;
    });
    return this.rootMade;
  }

  async dispose(): Promise<void> {
    if (this.root !== undefined) await rm(this.root, { recursive: true, force: true });
    this.root = undefined;
    this.rootMade = undefined;
    this.unregister?.();
    this.made.clear();
  }
}
