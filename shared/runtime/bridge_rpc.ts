/**
 * An RPC request the bridge took off NATS for this service, answered over HTTP by the very code
 * that answers it on NATS (`answer` of shared/bus/rpc_server.ts: validation, deadline budget from
 * the caller's headers, typed errors, metrics, fault points): only the message it reads and
 * answers is an HTTP request's instead of a NATS one's.
 */
import type { MsgHdrs, Payload, PublishOptions } from "@nats-io/nats-core";
import { ServiceErrorCodeHeader, ServiceErrorHeader } from "@nats-io/services";
import { answer, type Route, type RpcMessage, type ServeOptions } from "../bus/rpc_server.ts";
import { bridgeHeaders, type CarriedHeaders, encodeNatsHeaders } from "../bridge/mod.ts";
import { extractTraceContext, inMessagingSpan, SpanKind, tracing } from "../telemetry/tracing.ts";
import { problem } from "./bridge_problem.ts";

const decoder = new TextDecoder();

/**
 * The HTTP answer to one RPC request for `route`: 200 with the reply's bytes, as on NATS; an error
 * reply is a 200 too, its services-framework headers (`Nats-Service-Error-Code`,
 * `Nats-Service-Error`) carried in `bridge-nats-headers`, so the bridge answers the caller exactly
 * as the service would have. A reply past the caller's deadline is dropped on NATS; here it is a
 * 504 problem+json (kind `deadline`), which the bridge answers nothing for.
 */
export async function answerRpcOverHttp(
  route: Route,
  body: Uint8Array,
  natsHeaders: MsgHdrs | undefined,
  options: ServeOptions,
): Promise<Response> {
  let answered: { data: Payload; headers: CarriedHeaders } | undefined;
  const msg: RpcMessage = {
    headers: natsHeaders,
    data: body,
    json: <T>() => JSON.parse(decoder.decode(body)) as T,
    respond: (data?: Payload, opts?: PublishOptions) => {
      answered = { data: data ?? "", headers: carried(opts?.headers) };
      return true;
    },
    respondError: (code: number, description: string, data?: Payload, opts?: PublishOptions) => {
      answered = {
        data: data ?? "",
        headers: {
          ...carried(opts?.headers),
          [ServiceErrorCodeHeader]: [String(code)],
          [ServiceErrorHeader]: [description],
        },
      };
      return true;
    },
  };
  await inMessagingSpan(
    {
      operation: "process",
      destination: route.endpoint.subject,
      kind: SpanKind.SERVER,
      consumerGroup: route.service,
    },
    // With tracing off no context is read: no span is made either.
    extractTraceContext(tracing() ? natsHeaders : undefined),
    () => answer(msg, route, options, () => {}),
  );
  if (!answered) {
    return problem(504, "deadline", "the reply came after the caller's deadline; dropped");
  }
  const headers = new Headers({ "content-type": "application/octet-stream" });
  const encoded = encodeNatsHeaders(answered.headers);
  if (encoded) headers.set(bridgeHeaders.natsHeaders, encoded);
  const data = answered.data;
  return new Response(typeof data === "string" ? data : data as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers,
  });
}

function carried(headers: MsgHdrs | undefined): CarriedHeaders {
  const record: CarriedHeaders = {};
  for (const name of headers?.keys() ?? []) record[name] = headers!.values(name);
  return record;
}
