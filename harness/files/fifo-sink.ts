// A named pipe a program writes a download into (curl --output, smbclient get) while the
// harness reads it as it comes: the bytes are checked without touching a disk and without
// /dev/null hiding them. The FIFO lives in a private directory of the caller's.
//
// Opening a FIFO blocks until the other end opens, and a reader sees end-of-file as soon as
// no writer is left: so the harness opens its read end non-blocking and holds a write end of
// its own until the program is done (finish()); the program may open and close its end
// whenever it likes (or never, for an empty body) without the reader ending early.
import { close, constants, open } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import { runCommand } from '../process/managed-process.js';

const openFd = promisify(open);
const closeFd = promisify(close);

export interface FifoSink {
  /** Where the program is to write. */
  readonly path: string;
  /** Call once the writer has exited: resolves when every byte it wrote has been read. */
  finish(): Promise<void>;
  /** Releases the pipe without waiting (on an error path); safe after finish(). */
  close(): Promise<void>;
}

export async function openFifoSink(path: string, onChunk: (chunk: Buffer) => void): Promise<FifoSink> {
  const made = await runCommand({ name: 'mkfifo', command: 'mkfifo', args: ['-m', '600', path], timeoutMs: 5000 });
  if (made.code !== 0) throw new Error(`mkfifo ${path} failed: ${made.stderr.trim()}`);
  // Plain descriptors, not FileHandles: the socket owns the read end from here on (libuv reads
  // the FIFO as a pipe), and a FileHandle would close it when collected.
  const reader = await openFd(path, constants.O_RDONLY | constants.O_NONBLOCK);
  let holder: number | undefined;
  try {
    holder = await openFd(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (error) {
    await closeFd(reader);
    throw error;
  }
  const socket = new Socket({ fd: reader, readable: true, writable: false });
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('data', onChunk);
    socket.once('end', resolve);
    socket.once('error', reject);
  });
  ended.catch(() => {}); // reported by finish()
  const releaseHolder = async (): Promise<void> => {
    const fd = holder;
    holder = undefined;
    if (fd !== undefined) await closeFd(fd);
  };
  return {
    path,
    async finish() {
      await releaseHolder();
      await ended;
    },
    async close() {
      await releaseHolder();
      socket.destroy();
    },
  };
}
