/**
 * An RPC contract: the subject, the request and reply schemas, and whether a caller may retry
 * it. Producer and caller both import the same definition, so types are never written twice.
 */
import type { z } from "zod";

export interface RpcEndpoint<Req extends z.ZodType = z.ZodType, Rep extends z.ZodType = z.ZodType> {
  /** `rpc.<service>.<method>`, outside every stream's subjects. */
  subject: string;
  request: Req;
  reply: Rep;
  /** Safe to retry: the same request twice has the effect of once. */
  idempotent: boolean;
}

export type RpcEndpoints = Record<string, RpcEndpoint>;

export interface RpcService<E extends RpcEndpoints = RpcEndpoints> {
  /** The service's name: its NATS services framework name and its queue group. */
  name: string;
  endpoints: E;
}

type EndpointSpec = { request: z.ZodType; reply: z.ZodType; idempotent: boolean };

export function defineRpcService<const S extends Record<string, EndpointSpec>>(
  name: string,
  specs: S,
): RpcService<{ [K in keyof S]: RpcEndpoint<S[K]["request"], S[K]["reply"]> }> {
  const endpoints = Object.fromEntries(
    Object.entries(specs).map(([method, spec]) => [
      method,
      { subject: `rpc.${name}.${method}`, ...spec },
    ]),
  );
  return { name, endpoints } as RpcService<
    { [K in keyof S]: RpcEndpoint<S[K]["request"], S[K]["reply"]> }
  >;
}

export type RequestOf<E extends RpcEndpoint> = z.infer<E["request"]>;
export type ReplyOf<E extends RpcEndpoint> = z.infer<E["reply"]>;
