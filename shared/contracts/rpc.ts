/**
 * An RPC contract: the subject, the request and reply schemas, and whether a caller may retry
 * it. Producer and caller both import the same definition, so types are never written twice.
 */
import type * as z from "zod";

/**
 * One endpoint of a service: the subject it listens on, the zod schemas of its request (`Req`) and
 * reply (`Rep`), and whether a caller may retry it.
 */
export interface RpcEndpoint<Req extends z.ZodType = z.ZodType, Rep extends z.ZodType = z.ZodType> {
  /** `rpc.<service>.<method>`, outside every stream's subjects. */
  subject: string;
  /** Checked by the server before the handler runs (`invalid` with the fields). */
  request: Req;
  /** Checked by the client (`internal` when the reply is outside it). */
  reply: Rep;
  /** Safe to retry: the same request twice has the effect of once. */
  idempotent: boolean;
}

/** A service's endpoints, by method name. */
export type RpcEndpoints = Record<string, RpcEndpoint>;

/** A service's RPC contract: its name and its endpoints. */
export interface RpcService<E extends RpcEndpoints = RpcEndpoints> {
  /** The service's name: its NATS services framework name and its queue group. */
  name: string;
  /** By method name; each endpoint's subject is `rpc.<name>.<method>`. */
  endpoints: E;
}

type EndpointSpec = { request: z.ZodType; reply: z.ZodType; idempotent: boolean };

/**
 * The contract of service `name` from its endpoints' schemas, by method: each endpoint gets the
 * subject `rpc.<name>.<method>`, keeping its types.
 */
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

/**
 * Whether `value` is a contract made by `defineRpcService`: a name, and endpoints each with its
 * subject `rpc.<name>.<method>`. Lets a test walk every contract a module exports, with no list
 * of services kept beside them.
 */
export function isRpcService<T>(value: T): value is T & RpcService {
  if (typeof value !== "object" || value === null) return false;
  const { name, endpoints } = value as Partial<RpcService>;
  if (typeof name !== "string" || typeof endpoints !== "object" || endpoints === null) return false;
  return Object.entries(endpoints).every(([method, endpoint]) =>
    endpoint?.subject === `rpc.${name}.${method}`
  );
}

/** The request type of an endpoint, inferred from its schema. */
export type RequestOf<E extends RpcEndpoint> = z.infer<E["request"]>;
/** The reply type of an endpoint, inferred from its schema. */
export type ReplyOf<E extends RpcEndpoint> = z.infer<E["reply"]>;
