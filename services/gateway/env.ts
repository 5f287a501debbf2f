import type { JwtVariables } from "hono/jwt";
import type { RequestIdVariables } from "hono/request-id";
import type { CallOptions } from "../../shared/bus/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";

export interface AccessClaims {
  sub: string;
  email: string;
  role: string;
  exp: number;
}

/** What every gateway handler finds in its context. */
export type GatewayEnv = {
  Variables: RequestIdVariables & JwtVariables<AccessClaims> & {
    log: Logger;
    /** Epoch ms by which this request must be answered. */
    deadline: number;
  };
};

/** The correlation id and the deadline, for a downstream call made on behalf of a request. */
export function callOptions(c: { var: GatewayEnv["Variables"] }): CallOptions {
  return { correlationId: c.var.requestId, deadline: c.var.deadline };
}
