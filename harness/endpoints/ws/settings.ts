// What the ws server and client agree on.
import { MESSAGE_BOUNDS } from '../message-bounds.js';

export const ECHO_PATH = '/echo';
/** Larger messages are refused (ws closes with 1009): no message of the realtime scenario is. */
export const WS_MAX_PAYLOAD_BYTES = MESSAGE_BOUNDS.maxSizeBytes;
/** A WebSocket is one ordered byte stream: every message rides it, so long-stream is its only mode. */
export const WS_MODES = ['long-stream'] as const;
export const WS_MODE_NOTE = 'a WebSocket is one ordered, reliable stream over TCP: every message travels on it (long-stream); it has neither datagrams nor streams of its own';
