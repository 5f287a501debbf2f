/**
 * The bridge's HTTP client of one carried service: every request a signed `POST` to a path of
 * the protocol under the service's base URL, bounded by a timeout that covers the whole answer.
 */
import { bridgeHeaders, pathAndQuery, signBridgeRequest } from "../shared/bridge/mod.ts";
import type { CarriedAddress } from "./config.ts";

/** What a carried service answered: its status, headers and the whole body. */
export interface ServiceAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Sends one request to a carried service. */
export type ServiceClient = (
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<ServiceAnswer>;

/**
 * A client of `service`: `POST <baseUrl><path>` with `body`, `headers` and the bridge's token
 * (audience the service's name, bound to the URL's path and query and the body). Rejects on a
 * network error, and with a TimeoutError DOMException when no whole answer came in `timeoutMs`.
 */
export function serviceClient(
  service: CarriedAddress,
  signingKey: CryptoKey,
  fetchFn: typeof fetch = fetch,
): ServiceClient {
  return async (path, body, headers, timeoutMs) => {
    const url = `${service.baseUrl}${path}`;
    const authorization = await signBridgeRequest(signingKey, {
      audience: service.name,
      method: "POST",
      pathAndQuery: pathAndQuery(url),
      body,
    });
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetchFn(url, {
      method: "POST",
      body: body as Uint8Array<ArrayBuffer>,
      headers: {
        ...headers,
        "content-type": "application/octet-stream",
        [bridgeHeaders.authorization]: authorization,
      },
      signal,
      redirect: "manual",
    });
    const answer = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body: answer };
  };
}
