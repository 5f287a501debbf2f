import assert from "node:assert/strict";
import { headers } from "@nats-io/nats-core";
import { ConfigError } from "../config/mod.ts";
import {
  BridgeRequestRefused,
  decodeNatsHeaders,
  encodeNatsHeaders,
  generateBridgeKeys,
  importBridgePublicKey,
  importBridgeSigningKey,
  publicJwkOf,
  signBridgeRequest,
  verifyBridgeRequest,
} from "./mod.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("bridge protocol kit", async (t) => {
  const keys = await generateBridgeKeys();
  const signingKey = await importBridgeSigningKey(keys.signingKey);
  const publicKey = await importBridgePublicKey(keys.publicKey);
  const body = text('{"orderId":"x"}');
  const signed = (over: Partial<{ audience: string; pathAndQuery: string }> = {}, now?: number) =>
    signBridgeRequest(signingKey, {
      audience: "orders",
      method: "POST",
      pathAndQuery: "/_bridge/rpc/get",
      body,
      ...over,
    }, now);
  const refusal = async (request: Promise<unknown>) => {
    const error = await request.then(() => null, (e) => e);
    assert.ok(error instanceof BridgeRequestRefused, `refused, got ${error}`);
    return error.reason;
  };
  const received = (authorization: string | null, over: Record<string, unknown> = {}) => ({
    authorization,
    method: "POST",
    url: "https://orders.example.deno.dev/_bridge/rpc/get",
    body,
    ...over,
  });

  await t.step("a signed request verifies, bound to service, method, path and body", async () => {
    const claims = await verifyBridgeRequest(publicKey, "orders", received(await signed()));
    assert.equal(claims.iss, "bridge");
    assert.equal(claims.htu, "/_bridge/rpc/get");
    assert.ok(claims.exp - claims.iat <= 60);
  });

  await t.step("anything else is refused, saying which check failed", async () => {
    const token = await signed();
    assert.equal(
      await refusal(verifyBridgeRequest(publicKey, "orders", received(null))),
      "missing",
    );
    assert.equal(
      await refusal(verifyBridgeRequest(publicKey, "orders", received(`Bearer ${token.slice(7)}`))),
      "malformed",
    );
    assert.equal(
      await refusal(
        verifyBridgeRequest(publicKey, "orders", received(token, { body: text("{}") })),
      ),
      "body",
    );
    assert.equal(
      await refusal(
        verifyBridgeRequest(publicKey, "orders", received(token, { url: "/_bridge/rpc/place" })),
      ),
      "path",
    );
    assert.equal(
      await refusal(verifyBridgeRequest(publicKey, "orders", received(token, { method: "PUT" }))),
      "method",
    );
    assert.equal(
      await refusal(verifyBridgeRequest(publicKey, "payments", received(token))),
      "audience",
    );
    const old = await signed({}, Date.now() - 120_000);
    assert.equal(await refusal(verifyBridgeRequest(publicKey, "orders", received(old))), "expired");
    const other = await importBridgePublicKey((await generateBridgeKeys()).publicKey);
    assert.equal(await refusal(verifyBridgeRequest(other, "orders", received(token))), "signature");
    const [h, p, s] = token.slice(7).split(".");
    const forged = `Bridge ${h}.${p}.${s.slice(0, -4)}AAAA`;
    assert.equal(
      await refusal(verifyBridgeRequest(publicKey, "orders", received(forged))),
      "signature",
    );
  });

  await t.step(
    "keys are taken as PEM or JWK, a wrong one refused naming the variable",
    async () => {
      const jwk = await publicJwkOf(keys.publicKey);
      const fromJwk = await importBridgePublicKey(JSON.stringify(jwk));
      await verifyBridgeRequest(fromJwk, "orders", received(await signed()));
      await assert.rejects(importBridgePublicKey("nonsense"), ConfigError);
      await assert.rejects(importBridgePublicKey(keys.signingKey), /BRIDGE_PUBLIC_KEY/);
      await assert.rejects(importBridgeSigningKey(keys.publicKey), /BRIDGE_SIGNING_KEY/);
    },
  );

  await t.step("NATS headers travel in one header, names and repeated values kept", () => {
    const h = headers();
    h.set("Nats-Msg-Id", "abc");
    h.append("traceparent", "00-1-2-01");
    h.append("X-Many", "a");
    h.append("X-Many", "b");
    const back = decodeNatsHeaders(encodeNatsHeaders(h))!;
    assert.equal(back.get("Nats-Msg-Id"), "abc");
    assert.deepEqual(back.values("X-Many"), ["a", "b"]);
    assert.equal(encodeNatsHeaders(headers()), undefined);
    assert.equal(decodeNatsHeaders(null), undefined);
    assert.throws(() => decodeNatsHeaders("!!!"), TypeError);
  });
});
