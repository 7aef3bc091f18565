// What the Node message clients (ws, fails-webtransport) share: TCP+TLS with the lab PKI, a
// fresh session per sample, timings from their own socket events, the spec checked and the
// key log opened before anything is sent.
import type { MessagesClient, MessagesSpec, MessagesTimings, TlsMaterial } from '../types.js';
import type { EndpointInfo } from '../../results/schema.js';
import { KeylogWriter } from './keylog-writer.js';
import { checkMessagesSpec } from './messages.js';
import { NODE_SOCKET_EVENTS } from './tls-client.js';

export abstract class NodeMessagesClient implements MessagesClient {
  abstract readonly implementation: string;
  abstract readonly application: MessagesClient['application'];
  readonly protocol = 'tcp-tls';
  readonly sessionModes = ['cold'] as const;
  readonly timingSources = { handshakeMs: NODE_SOCKET_EVENTS, sessionMs: NODE_SOCKET_EVENTS, messages: NODE_SOCKET_EVENTS };

  constructor(
    protected readonly tls: TlsMaterial,
    private readonly keylogFile?: string,
  ) {}

  async prepare(): Promise<void> {}

  /** The modes it has, and why not the others (undefined: it has all three). */
  protected abstract readonly modes: { modes: readonly MessagesSpec['mode'][]; note?: string };

  async exchangeMessages(spec: MessagesSpec): Promise<MessagesTimings> {
    checkMessagesSpec(spec);
    const { modes, note } = this.modes;
    if (!modes.includes(spec.mode)) throw new Error(`${this.implementation}: no ${spec.mode} mode${note !== undefined ? `: ${note}` : ''}`);
    const keylog = this.keylogFile !== undefined ? new KeylogWriter(this.keylogFile) : undefined;
    try {
      return await this.run(spec, keylog);
    } finally {
      await keylog?.flush();
    }
  }

  /** One session of `spec` (checked), its TLS secrets to `keylog`. */
  protected abstract run(spec: MessagesSpec, keylog: KeylogWriter | undefined): Promise<MessagesTimings>;

  abstract info(): EndpointInfo;
}
