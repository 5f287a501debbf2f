/**
 * Every RPC endpoint the registry's services declare, by subject, with its request and reply as
 * JSON Schema (zod's `toJSONSchema` of the contract in shared/contracts): the API reference the
 * Services page shows beside what each endpoint has served.
 */
import * as z from "zod";
import { operationsApi, type RpcService } from "../../shared/contracts/mod.ts";
import type { ServiceModule } from "../../shared/runtime/mod.ts";

/** One endpoint as declared: JSON Schemas as pretty-printed JSON text. */
export interface CatalogEndpoint {
  service: string;
  method: string;
  subject: string;
  idempotent: boolean;
  /** `api`: the service's own contract; `operator`: what it answers its operator (`ops.*`). */
  kind: "api" | "operator";
  request: string;
  reply: string;
}

/** The endpoints of every service in `registry`, its own first, then the operator's. */
export function endpointCatalog(registry: readonly ServiceModule[]): CatalogEndpoint[] {
  return registry.flatMap((service) => {
    const own = service.bus.serves;
    if (!own) return [];
    return [...endpointsOf(own, "api"), ...endpointsOf(operationsApi(service.name), "operator")];
  });
}

function endpointsOf(contract: RpcService, kind: CatalogEndpoint["kind"]): CatalogEndpoint[] {
  return Object.entries(contract.endpoints).map(([method, endpoint]) => ({
    service: contract.name,
    method,
    subject: endpoint.subject,
    idempotent: endpoint.idempotent,
    kind,
    request: schemaText(endpoint.request),
    reply: schemaText(endpoint.reply),
  }));
}

function schemaText(schema: z.ZodType): string {
  // "any": a refinement or transform with no JSON Schema form is shown as unconstrained.
  const { $schema: _, ...json } = z.toJSONSchema(schema, { unrepresentable: "any", io: "input" });
  return JSON.stringify(json, null, 2);
}
