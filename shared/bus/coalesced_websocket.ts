/**
 * A WebSocket to NATS whose writes within one task of the event loop go out as one frame.
 *
 * Deno's WebSocket client leaves Nagle's algorithm on (it offers no TCP_NODELAY), and nats.js
 * sends each protocol line as its own frame: `CONNECT` then `PING` on connecting, a `PUB` and its
 * flush's `PING`. The second small write then waits for the server's delayed ACK, about 40 ms on
 * Linux, before it leaves: measured here, connecting over ws:// took 42–51 ms, 1.2 ms with the two
 * lines in one frame; a cold start's first JetStream requests (a SUB, then two PUBs a few awaits
 * apart) waited 48 ms more, joined only when the flush waits for the task's end, not a microtask. NATS reads a WebSocket as a byte stream, so joining frames changes nothing
 * it sees. Written by hand: no library wraps a WebSocket's writes, and nats.js takes a socket
 * factory (`wsFactory`) for exactly this.
 */

import { setImmediate } from "node:timers";

/** What nats.js's `wsFactory` resolves to: the socket and whether it is encrypted. */
export interface FactorySocket {
  socket: WebSocket;
  encrypted: boolean;
}

/**
 * Opens a WebSocket to `url` (ws:// or wss://) whose binary `send`s made in the same task (and
 * its microtasks) are joined into one frame, sent in order right after it (`setImmediate`: no
 * timer's minimum delay). Text and Blob sends
 * first send what is pending, then go out as they are.
 */
export function coalescedWebSocket(url: string): Promise<FactorySocket> {
  const socket = new WebSocket(url);
  const send = socket.send.bind(socket);
  let pending: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const parts = pending;
    pending = [];
    let frame = parts[0];
    if (parts.length > 1) {
      frame = new Uint8Array(size);
      let at = 0;
      for (const part of parts) (frame.set(part, at), at += part.length);
    }
    size = 0;
    // A closed socket throws here; nats.js ignores write errors too and finds out on its reads.
    try {
      send(frame);
    } catch { /* the close event tells */ }
  };
  socket.send = (data) => {
    if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      // Copied: the caller may reuse its buffer once send returns.
      const bytes = data instanceof ArrayBuffer
        ? new Uint8Array(data.slice(0))
        : new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      if (pending.length === 0) setImmediate(flush);
      pending.push(bytes);
      size += bytes.length;
      return;
    }
    flush();
    send(data);
  };
  return Promise.resolve({ socket, encrypted: url.startsWith("wss://") });
}
