/**
 * The one place request bodies are read: bounded in size and in time, before any route runs.
 * Hono's `bodyLimit` bounds the size only; a client that declares 100 bytes and sends 17 held
 * the connection for as long as it liked (issue 17, class 3).
 */
import type { Context, MiddlewareHandler } from "hono";
import type { GatewayEnv } from "./context.ts";

export interface BodyBounds {
  /** The largest body read, in bytes. */
  maxBytes: number;
  /** Answers a body over `maxBytes`: at once on a declared Content-Length, unread. */
  onTooLarge: (c: Context<GatewayEnv>) => Response;
  /** Answers a body not all in by the request's deadline (`c.var.deadline`). */
  onTimeout: (c: Context<GatewayEnv>) => Response;
  /** Answers a body that could not be read (the client went away mid-body). */
  onUnreadable: (c: Context<GatewayEnv>) => Response;
}

const timedOut = Symbol("timed out");

/**
 * Reads the whole body into memory before the routes (they then read it from there), at most
 * `maxBytes` of it and no later than the request's deadline; past either, reading stops (the
 * stream is cancelled) and the request is answered. GET and HEAD bodies are left alone: no
 * route reads them.
 */
export function boundedBody(bounds: BodyBounds): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body || raw.method === "GET" || raw.method === "HEAD") return next();
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding")) {
      if (Number(declared) > bounds.maxBytes) return bounds.onTooLarge(c);
    }
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), Math.max(0, c.var.deadline - Date.now()));
    });
    const stop = () => reader.cancel().catch(() => {});
    try {
      for (;;) {
        const read = await Promise.race([reader.read(), expired]);
        if (read === timedOut) {
          void stop();
          return bounds.onTimeout(c);
        }
        if (read.done) break;
        size += read.value.length;
        if (size > bounds.maxBytes) {
          void stop();
          return bounds.onTooLarge(c);
        }
        chunks.push(read.value);
      }
    } catch {
      return bounds.onUnreadable(c);
    } finally {
      clearTimeout(timer);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    c.req.raw = new Request(raw, { body });
    return next();
  };
}
