/**
 * The fuzzer's cases: for one operation, its valid request and every malformed variant of it (bad
 * tokens, path and query values, headers, bodies, content types, sizes, methods), each labelled
 * `<METHOD> <path>: <what changed>` and, for the refusals every route shares, the one right status.
 */
import { sign } from "hono/jwt";
import type { Operation } from "./openapi.ts";
import { pick } from "./random.ts";
import { badPathValues, badQueryValues, badTokens, hostile, type Known, valid } from "./values.ts";

/** The gateway's body limit, in bytes: the "over the limit" cases send more. */
const bodyLimit = 64 * 1024;

/** One request to send, labelled for the failure report. */
export interface Case {
  label: string;
  method: string;
  url: string;
  init: RequestInit;
  /** The one right answer, for the refusals every route shares (401, 403, 405, 413, 415). */
  expect?: number;
}

/** A valid request of `op`: the starting point every mutation changes one thing of. */
function baseline(op: Operation, known: Known) {
  const params: Record<string, string> = {};
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const parameter of op.parameters) {
    if (parameter.in === "path") {
      params[parameter.name] = parameter.name === "id"
        ? (op.path.startsWith("/products") ? known.productId : known.orderId)
        : parameter.name === "stream"
        ? "ORDERS"
        : "1";
    } else if (parameter.in === "query" && parameter.required) {
      query.set(parameter.name, String(valid(parameter.schema, known, parameter.name)));
    }
  }
  if (op.auth) {
    headers.authorization = `Bearer ${
      op.path.startsWith("/admin") ? known.adminToken : known.userToken
    }`;
  }
  return { params, query, headers, body: op.body ? valid(op.body, known) : undefined };
}

function urlOf(path: string, params: Record<string, string>, query: URLSearchParams) {
  const filled = path.replace(/\{(\w+)\}/g, (_, name) => params[name]);
  const search = query.toString();
  return search ? `${filled}?${search}` : filled;
}

/** Every malformed request of one operation, and a few random ones more. */
export async function casesOf(op: Operation, known: Known): Promise<Case[]> {
  const cases: Case[] = [];
  const add = (label: string, url: string, init: RequestInit, expect?: number) =>
    cases.push({
      label: `${op.method} ${op.path}: ${label}`,
      method: op.method,
      url,
      init,
      expect,
    });
  const base = baseline(op, known);
  const bodyInit = (body: BodyInit | undefined, headers: Record<string, string> = {}) => ({
    method: op.method,
    headers: { ...base.headers, ...headers },
    body,
  });
  const jsonInit = (body: unknown) =>
    bodyInit(JSON.stringify(body), { "content-type": "application/json" });
  const baseUrl = urlOf(op.path, base.params, base.query);
  const baseInit = () =>
    op.body ? jsonInit(base.body) : { method: op.method, headers: base.headers };

  // The valid request itself: it must not fail either.
  add("valid", baseUrl, baseInit());

  if (op.auth) {
    add("no token", baseUrl, {
      ...baseInit(),
      headers: op.body ? { "content-type": "application/json" } : {},
    }, 401);
    const expired = known.expiredToken;
    // HS256, whatever the secret: the gateway takes EdDSA only.
    const foreign = await sign(
      { sub: crypto.randomUUID(), role: "admin", exp: 9_999_999_999 },
      "some-other-secret-of-at-least-32-characters",
      "HS256",
    );
    for (const token of [...badTokens, expired, foreign, pick(badTokens)]) {
      const init = baseInit();
      add(`bad token ${token.slice(0, 20)}`, baseUrl, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${token}` },
      }, 401);
    }
    add("basic auth", baseUrl, {
      ...baseInit(),
      headers: { ...baseInit().headers, authorization: "Basic dXNlcjpwYXNz" },
    }, 401);
    if (op.path.startsWith("/admin")) {
      add("a user's token", baseUrl, {
        ...baseInit(),
        headers: { ...baseInit().headers, authorization: `Bearer ${known.userToken}` },
      }, 403);
    }
  }

  for (const parameter of op.parameters.filter((p) => p.in === "path")) {
    for (const value of [...badPathValues.slice(0, 4), pick(badPathValues), pick(badPathValues)]) {
      const url = urlOf(op.path, { ...base.params, [parameter.name]: value }, base.query);
      add(`path ${parameter.name}=${value.slice(0, 20)}`, url, baseInit());
    }
  }

  const queryParameters = op.parameters.filter((p) => p.in === "query");
  for (const parameter of queryParameters) {
    for (const value of [pick(badQueryValues), pick(badQueryValues), pick(badQueryValues)]) {
      const query = new URLSearchParams(base.query);
      query.set(parameter.name, value);
      add(
        `query ${parameter.name}=${value.slice(0, 20)}`,
        urlOf(op.path, base.params, query),
        baseInit(),
      );
    }
    const repeated = new URLSearchParams(base.query);
    repeated.append(parameter.name, "1");
    repeated.append(parameter.name, "2");
    add(`query ${parameter.name} twice`, urlOf(op.path, base.params, repeated), baseInit());
    if (parameter.required) {
      const missing = new URLSearchParams(base.query);
      missing.delete(parameter.name);
      add(`query ${parameter.name} missing`, urlOf(op.path, base.params, missing), baseInit());
    }
  }
  if (op.method === "GET") {
    add(
      "unknown query",
      `${baseUrl}${baseUrl.includes("?") ? "&" : "?"}x=${"%00".repeat(50)}`,
      baseInit(),
    );
  }

  for (const parameter of op.parameters.filter((p) => p.in === "header")) {
    for (const value of ["", "k".repeat(5000), "é ü", pick(["\t", "a".repeat(201)])]) {
      const init = baseInit();
      add(`header ${parameter.name} of ${value.length}`, baseUrl, {
        ...init,
        headers: { ...init.headers, [parameter.name]: value },
      });
    }
  }

  if (op.body) {
    const body = base.body as Record<string, unknown>;
    for (const [name, property] of Object.entries(op.body.properties ?? {})) {
      const values = hostile(property);
      for (const value of [pick(values), pick(values), pick(values)]) {
        add(
          `body ${name}=${JSON.stringify(value).slice(0, 20)}`,
          baseUrl,
          jsonInit({ ...body, [name]: value }),
        );
      }
      if (op.body.required?.includes(name)) {
        const { [name]: _, ...rest } = body;
        add(`body without ${name}`, baseUrl, jsonInit(rest));
      }
      if (property.type === "array") {
        add(
          `body ${name}: too many`,
          baseUrl,
          jsonInit({ ...body, [name]: Array(5000).fill((body[name] as unknown[] ?? [1])[0] ?? 1) }),
        );
        add(
          `body ${name}: items of the wrong type`,
          baseUrl,
          jsonInit({ ...body, [name]: [pick(hostile({})), pick(hostile({}))] }),
        );
      }
    }
    for (
      const whole of [
        null,
        [],
        "text",
        42,
        {},
        { ...body, extra: "x".repeat(1000) },
        pick(hostile({})),
      ]
    ) {
      add(`body ${JSON.stringify(whole).slice(0, 20)}`, baseUrl, jsonInit(whole));
    }
    const text = JSON.stringify(body);
    for (
      const [label, raw] of [
        ["truncated JSON", text.slice(0, Math.max(1, Math.floor(text.length / 2)))],
        ["trailing garbage", `${text}}}`],
        ["empty", ""],
        ["a BOM first", `\ufeff${text}`],
        ["deep nesting", "[".repeat(20_000) + "]".repeat(20_000)],
        ["single quotes", text.replaceAll('"', "'")],
      ] as const
    ) {
      add(`body ${label}`, baseUrl, bodyInit(raw, { "content-type": "application/json" }));
    }
    add(
      "body invalid UTF-8",
      baseUrl,
      bodyInit(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), {
        "content-type": "application/json",
      }),
    );
    for (
      const contentType of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonx",
        pick(["json", "application/", "*/*"]),
      ]
    ) {
      add(
        `content type ${contentType}`,
        baseUrl,
        bodyInit(text, { "content-type": contentType }),
        415,
      );
    }
    add("no content type", baseUrl, bodyInit(new TextEncoder().encode(text)), 415);
    add(
      "over the limit, declared",
      baseUrl,
      bodyInit(`"${"A".repeat(bodyLimit + 10)}"`, {
        "content-type": "application/json",
        "content-length": String(bodyLimit + 12),
      }),
      413,
    );
    add(
      "over the limit, chunked",
      baseUrl,
      bodyInit(chunked(4 * bodyLimit), {
        "content-type": "application/json",
      }),
      413,
    );
  }

  // A method the route does not have.
  add("wrong method", baseUrl, {
    method: op.method === "GET" ? "DELETE" : "PUT",
    headers: base.headers,
  }, 405);
  return cases;
}

/** A body sent in pieces, without a Content-Length. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close();
      const chunk = new Uint8Array(Math.min(8192, left)).fill(0x41);
      left -= chunk.length;
      controller.enqueue(chunk);
    },
  });
}
