/** The gateway's typed Hono context: its variables, the access token's claims, call options. */
import type { RequestIdVariables } from "hono/request-id";
import type { CallOptions } from "../../shared/bus/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";

/**
 * The access token's claims (users signs them; authentication.ts checks them): account id, email,
 * role, expiry (epoch s), issuer and audience.
 */
export interface AccessClaims {
  sub: string;
  email: string;
  role: string;
  exp: number;
  iss: string;
  aud: string | string[];
}

/**
 * What every gateway handler finds in its context (`c.var`): the request id, the token's claims,
 * a logger and the deadline. Named `...Env` after Hono's own `Env` type parameter
 * (`new Hono<Env>()`), which is what it is passed as.
 */
export type GatewayEnv = {
  Variables: RequestIdVariables & {
    /** The checked token's claims, on routes that require one (named as hono/jwt names it). */
    jwtPayload: AccessClaims;
    /** Why the rate limit refused the token: the route answers it without checking it again. */
    tokenRefusal?: Error;
    log: Logger;
    /** Epoch ms by which this request must be answered. */
    deadline: number;
  };
};

/** The correlation id and the deadline, for a downstream call made on behalf of a request. */
export function callOptions(c: { var: GatewayEnv["Variables"] }): CallOptions {
  return { correlationId: c.var.requestId, deadline: c.var.deadline };
}
