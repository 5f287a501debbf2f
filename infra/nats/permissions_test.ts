import assert from "node:assert/strict";
import { defineRpcService } from "../../shared/contracts/mod.ts";
import { registry } from "../../services/registry.ts";
import {
  authorizationBlock,
  type DeclaredService,
  operatorPermissions,
  servicePermissions,
} from "./permissions.ts";

const stream = (name: string, owner: string) => ({ name, subjects: [`${owner}.>`] });
const api = (name: string) => defineRpcService(name, {});
const a: DeclaredService = { name: "a", bus: { serves: api("a"), publishes: stream("A", "a") } };
const b: DeclaredService = {
  name: "b",
  bus: { serves: api("b"), reactsTo: [stream("A", "a")], calls: [api("a")] },
};
const c: DeclaredService = { name: "c", bus: { reactsTo: [stream("A", "a")] } };

Deno.test("NATS permissions are generated from the declarations, closed by default", async (t) => {
  await t.step("a service that declares nothing gets its own reply inbox only", () => {
    const none = servicePermissions({ name: "idle", bus: {} }, [a]);
    assert.deepEqual(none.publish.allow, []);
    assert.deepEqual(none.subscribe.allow, ["_INBOX.idle.>"]);
    assert.equal(none.allowResponses, false);
  });

  await t.step("serving: its subjects in its own queue group, and answers", () => {
    const p = servicePermissions(a, [a, b]);
    assert.ok(p.subscribe.allow.includes("rpc.a.> a"));
    assert.ok(p.subscribe.allow.includes("ops.a.> a"));
    assert.ok(!p.subscribe.allow.some((s) => s.startsWith("rpc.b")));
    assert.equal(p.allowResponses, true);
    // Its own events and its stream's administration, nobody else's, and no ops.
    assert.ok(p.publish.allow.includes("a.>"));
    assert.ok(p.publish.allow.includes("$JS.API.STREAM.UPDATE.A"));
    assert.ok(!p.publish.allow.some((s) => s.startsWith("ops.") || s.includes("DELETE")));
  });

  await t.step("reacting and calling: its durable, never another's; the callee's RPC", () => {
    const p = servicePermissions(b, [a, b, c]);
    assert.ok(p.publish.allow.includes("$JS.API.CONSUMER.MSG.NEXT.A.b"));
    assert.ok(p.publish.allow.includes("$JS.ACK.A.b.>"));
    assert.ok(p.publish.deny.includes("$JS.API.CONSUMER.MSG.NEXT.A.c"));
    assert.ok(p.publish.deny.includes("$JS.API.CONSUMER.DELETE.A.c"));
    assert.ok(!p.publish.allow.includes("$JS.API.STREAM.UPDATE.A"));
    assert.ok(p.publish.allow.includes("rpc.a.>"));
    assert.ok(p.publish.allow.includes("deadletter.b.>"));
    assert.ok(!p.publish.allow.includes("a.>"));
  });

  await t.step("anything undeclared or not its own throws", () => {
    assert.throws(
      () => servicePermissions({ name: "x", bus: { reactsTo: [stream("NONE", "n")] } }, [a]),
      /no service declares that it publishes the stream NONE/,
    );
    assert.throws(
      () => servicePermissions({ name: "x", bus: { calls: [api("nobody")] } }, [a]),
      /calls nobody, which no service serves/,
    );
    assert.throws(
      () => servicePermissions({ name: "x", bus: { publishes: stream("X", "a") } }, [a]),
      /subjects not its own: a\.>/,
    );
    assert.throws(
      () => servicePermissions({ name: "x", bus: { serves: api("a") } }, [a]),
      /serves a's contract/,
    );
    assert.throws(() => servicePermissions({ name: "x.y", bus: {} }, [a]), /plain NATS token/);
    assert.throws(() => servicePermissions({ name: "operator", bus: {} }, [a]), /operator/);
  });

  await t.step("the operator: ops and discovery, reads, never a service's durable", () => {
    const p = operatorPermissions([a, b, c]);
    assert.ok(p.publish.allow.includes("ops.>"));
    assert.ok(p.publish.deny.includes("$JS.API.CONSUMER.MSG.NEXT.A.b"));
    assert.ok(!p.publish.allow.some((s) => s.startsWith("rpc.") || s === "a.>"));
    assert.ok(!p.publish.allow.some((s) => s.startsWith("$JS.API.STREAM.DELETE")));
    assert.deepEqual(p.subscribe.allow, ["_INBOX.operator.>", "progress.>"]);
  });

  await t.step("the registry's declarations all generate; the config lists each key", () => {
    const users = registry.map((s) => ({
      name: s.name,
      publicKey: `U${s.name.toUpperCase()}`,
      permissions: servicePermissions(s, registry),
    }));
    const text = authorizationBlock(users);
    for (const s of registry) assert.ok(text.includes(`nkey: "U${s.name.toUpperCase()}"`));
    assert.match(text, /^authorization \{\n {2}users: \[/);
  });
});
