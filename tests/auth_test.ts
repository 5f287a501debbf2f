import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { sign } from "hono/jwt";
import { userRegistered, usersStream } from "../shared/contracts/mod.ts";
import { json, startStack } from "./harness/stack.ts";

const uniqueEmail = () => `user-${crypto.randomUUID()}@example.com`;

Deno.test("auth through the gateway", async (t) => {
  const stack = await startStack();
  try {
    const email = uniqueEmail();
    const password = "correct horse battery";

    let userId = "";
    await t.step("register answers 201 with the new user's id", async () => {
      const res = await stack.request(
        "/auth/register",
        json("POST", { email, password, name: "Ada" }),
      );
      assert.equal(res.status, 201);
      userId = (await res.json()).userId;
      assert.match(userId, /^[0-9a-f-]{36}$/);
    });

    await t.step("the same email again, in other letters, is 409", async () => {
      const res = await stack.request(
        "/auth/register",
        json("POST", { email: email.toUpperCase(), password, name: "Ada again" }),
      );
      assert.equal(res.status, 409);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
      const problem = await res.json();
      assert.equal(problem.status, 409);
      assert.equal(problem.correlationId, res.headers.get("x-request-id"));
    });

    await t.step("a bad body is 400 naming every bad field", async () => {
      const res = await stack.request(
        "/auth/register",
        json("POST", { email: "not-an-email", password: "short" }),
      );
      assert.equal(res.status, 400);
      const problem = await res.json();
      const fields = problem.errors.map((e: { path: string }) => e.path).sort();
      assert.deepEqual(fields, ["email", "name", "password"]);
    });

    await t.step("a body that is not JSON is 400, not 500", async () => {
      const res = await stack.request("/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{nope",
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get("content-type"), "application/problem+json");
    });

    let token = "";
    await t.step("login answers a JWT and its expiry", async () => {
      const res = await stack.request("/auth/login", json("POST", { email, password }));
      assert.equal(res.status, 200);
      const body = await res.json();
      token = body.token;
      assert.equal(token.split(".").length, 3);
      const expiresIn = Date.parse(body.expiresAt) - Date.now();
      assert.ok(expiresIn > 3500_000 && expiresIn <= 3600_000, `expires in ${expiresIn} ms`);
    });

    await t.step("a wrong password and an unknown email are both 401", async () => {
      const wrong = await stack.request(
        "/auth/login",
        json("POST", { email, password: "wrong password" }),
      );
      assert.equal(wrong.status, 401);
      const unknown = await stack.request(
        "/auth/login",
        json("POST", { email: uniqueEmail(), password }),
      );
      assert.equal(unknown.status, 401);
      assert.equal((await wrong.json()).detail, (await unknown.json()).detail);
    });

    await t.step("the token opens /auth/me, which shows the profile", async () => {
      const res = await stack.request("/auth/me", {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      const profile = await res.json();
      assert.equal(profile.userId, userId);
      assert.equal(profile.email, email);
      assert.equal(profile.name, "Ada");
    });

    await t.step("no token, a forged token and an expired token are each 401", async () => {
      const now = Math.floor(Date.now() / 1000);
      const forged = await sign(
        { sub: userId, exp: now + 60 },
        "another-secret-of-32-characters!!",
      );
      const expired = await stack.signToken({ sub: userId, email, role: "user", exp: now - 60 });
      for (const authorization of [undefined, `Bearer ${forged}`, `Bearer ${expired}`]) {
        const headers: Record<string, string> = authorization ? { authorization } : {};
        const res = await stack.request("/auth/me", { headers });
        assert.equal(res.status, 401, `with ${authorization}`);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        await res.body?.cancel();
      }
    });

    await t.step(
      "users.user.registered is in the USERS stream, deduplicated by its id",
      async () => {
        const jsm = await jetstreamManager(stack.nc);
        const message = await waitFor(() =>
          jsm.streams.getMessage(usersStream.name, { last_by_subj: userRegistered.subject })
        );
        const event = userRegistered.schema.parse(message!.json());
        assert.equal(event.data.userId, userId);
        assert.equal(event.data.email, email);
        assert.equal(event.source, "users");
        assert.equal(message!.header.get("Nats-Msg-Id"), event.id);
      },
    );
  } finally {
    await stack.close();
  }
});

Deno.test("every response carries x-request-id: a sane one is kept, another replaced", async () => {
  const stack = await startStack({ services: [] });
  try {
    const kept = await stack.request("/health", { headers: { "x-request-id": "abc-123" } });
    assert.equal(kept.headers.get("x-request-id"), "abc-123");
    await kept.body?.cancel();
    const replaced = await stack.request("/health", {
      headers: { "x-request-id": "bad id with spaces" },
    });
    const id = replaced.headers.get("x-request-id");
    assert.ok(id && id !== "bad id with spaces");
    await replaced.body?.cancel();
    const missing = await stack.request("/no/such/route");
    assert.equal(missing.status, 404);
    assert.ok(missing.headers.get("x-request-id"));
    assert.equal((await missing.json()).correlationId, missing.headers.get("x-request-id"));
  } finally {
    await stack.close();
  }
});

async function waitFor<T>(probe: () => Promise<T>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  while (true) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
