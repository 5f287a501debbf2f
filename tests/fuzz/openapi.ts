/** The gateway's operations as its OpenAPI document describes them: what the fuzzer mutates. */

/** The part of a JSON Schema the generators read. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  anyOf?: Schema[];
}

/** A parameter of an operation, in its path, query or headers. */
export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Schema;
}

/** One method of one path: its parameters, its JSON body, whether it wants a token. */
export interface Operation {
  method: string;
  path: string;
  auth: boolean;
  parameters: Parameter[];
  body?: Schema;
}

/** The operations of the OpenAPI document. */
export function operationsOf(document: {
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown;
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: Schema }> };
      }
    >
  >;
}): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      auth: op.security !== undefined,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content["application/json"]?.schema,
    }))
  );
}
