import assert from "node:assert/strict";
import * as z from "zod";
import { baseConfig, ConfigError, natsServers, parseConfig, redactUrl } from "./mod.ts";

const schema = baseConfig.extend({
  JWT_SECRET: z.string().min(32, "must be at least 32 characters"),
});
const secret = "x".repeat(32);

Deno.test("config: defaults fill what is optional", () => {
  const config = parseConfig("users", schema, { JWT_SECRET: secret });
  assert.equal(config.NATS_URL, "nats://127.0.0.1:4222");
  assert.equal(config.DATA_DIR, ".data");
  assert.equal(config.DATABASE_URL, undefined);
  assert.equal(config.EVENT_LANES, 1);
});

Deno.test("config: EVENT_LANES, a whole number of at least one", () => {
  assert.equal(
    parseConfig("users", schema, { JWT_SECRET: secret, EVENT_LANES: "8" }).EVENT_LANES,
    8,
  );
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: secret, EVENT_LANES: "0" }),
    new ConfigError("config: EVENT_LANES must be at least 1"),
  );
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: secret, EVENT_LANES: "two" }),
    /config: EVENT_LANES/,
  );
});

Deno.test("config: a missing variable is one line naming it", () => {
  assert.throws(() => parseConfig("users", schema, {}), {
    name: "ConfigError",
    message: "config: JWT_SECRET is required",
  });
});

Deno.test("config: a bad variable is one line naming it and saying why", () => {
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: secret, NATS_URL: "localhost:4222" }),
    new ConfigError(
      "config: NATS_URL must be a nats://, tls://, ws:// or wss:// URL, or a comma-separated list of them",
    ),
  );
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: "short" }),
    new ConfigError("config: JWT_SECRET must be at least 32 characters"),
  );
});

Deno.test("config: <SERVICE>_DATABASE_URL wins over DATABASE_URL, and is named when bad", () => {
  const env = {
    JWT_SECRET: secret,
    DATABASE_URL: "postgres://all@db/app",
    USERS_DATABASE_URL: "postgres://users@db/app",
  };
  assert.equal(parseConfig("users", schema, env).DATABASE_URL, "postgres://users@db/app");
  assert.equal(parseConfig("catalog", schema, env).DATABASE_URL, "postgres://all@db/app");
  assert.throws(
    () => parseConfig("users", schema, { ...env, USERS_DATABASE_URL: "mysql://x" }),
    new ConfigError("config: USERS_DATABASE_URL must be a postgres:// URL"),
  );
});

Deno.test("config: <SERVICE>_MIGRATION_DATABASE_URL wins the same way, and is named when bad", () => {
  const env = {
    JWT_SECRET: secret,
    MIGRATION_DATABASE_URL: "postgres://all_owner@db/app",
    USERS_MIGRATION_DATABASE_URL: "postgres://users_owner@db/app",
  };
  assert.equal(
    parseConfig("users", schema, env).MIGRATION_DATABASE_URL,
    "postgres://users_owner@db/app",
  );
  assert.equal(
    parseConfig("catalog", schema, env).MIGRATION_DATABASE_URL,
    "postgres://all_owner@db/app",
  );
  assert.equal(
    parseConfig("users", schema, { JWT_SECRET: secret }).MIGRATION_DATABASE_URL,
    undefined,
  );
  assert.throws(
    () => parseConfig("users", schema, { ...env, USERS_MIGRATION_DATABASE_URL: "mysql://x" }),
    new ConfigError("config: USERS_MIGRATION_DATABASE_URL must be a postgres:// URL"),
  );
});

Deno.test("config: HTTP faces listen on loopback unless HTTP_HOST says otherwise", () => {
  assert.equal(parseConfig("users", schema, { JWT_SECRET: secret }).HTTP_HOST, "127.0.0.1");
  assert.equal(
    parseConfig("users", schema, { JWT_SECRET: secret, HTTP_HOST: "0.0.0.0" }).HTTP_HOST,
    "0.0.0.0",
  );
});

Deno.test("config: a service started without a required variable exits 1 with one line", async () => {
  const env = { ...Deno.env.toObject() };
  delete env.TOKEN_SIGNING_KEY;
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "services/users/main.ts"],
    env: { ...env, NATS_URL: "nats://127.0.0.1:1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(result.code, 1);
  const stderr = new TextDecoder().decode(result.stderr).trim();
  assert.equal(stderr, "users: config: TOKEN_SIGNING_KEY is required");
});

Deno.test("redactUrl: credentials in a URL are masked, the server stays readable", async (t) => {
  await t.step("user and password, token, and a URL without any", () => {
    assert.equal(
      redactUrl("nats://ops:s3cret@nats.internal:4222"),
      "nats://***@nats.internal:4222",
    );
    assert.equal(redactUrl("nats://s3cret-token@127.0.0.1:4222"), "nats://***@127.0.0.1:4222");
    assert.equal(redactUrl("wss://u:p@edge.example/nats"), "wss://***@edge.example/nats");
    assert.equal(redactUrl("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  });
  await t.step("a password holding an unescaped @ is masked whole", () => {
    assert.equal(redactUrl("postgres://app:p@ss@db:5432/shop"), "postgres://***@db:5432/shop");
  });
  await t.step("a server list and a URL inside a sentence", () => {
    assert.equal(
      redactUrl("nats://a:1@n1:4222,nats://b:2@n2:4222"),
      "nats://***@n1:4222,nats://***@n2:4222",
    );
    assert.equal(
      redactUrl("cannot reach nats://a:1@n1:4222: connection refused"),
      "cannot reach nats://***@n1:4222: connection refused",
    );
  });
  await t.step("password and token query parameters", () => {
    assert.equal(
      redactUrl("postgres://db/shop?user=app&password=hunter2&sslmode=require"),
      "postgres://db/shop?user=app&password=***&sslmode=require",
    );
    assert.equal(redactUrl("ws://edge/nats?token=abc"), "ws://edge/nats?token=***");
  });
});

Deno.test("config: NATS_URL takes a cluster's servers, comma-separated, one transport", () => {
  const url = "nats://n0:4222, nats://n1:4222,tls://n2:4222";
  assert.equal(parseConfig("users", schema, { JWT_SECRET: secret, NATS_URL: url }).NATS_URL, url);
  assert.deepEqual(natsServers(url), ["nats://n0:4222", "nats://n1:4222", "tls://n2:4222"]);
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: secret, NATS_URL: "nats://a:1,ws://b:2" }),
    /config: NATS_URL must list servers all over TCP .* or all over WebSocket/,
  );
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: secret, NATS_URL: "nats://a:1,,nats://b" }),
    /config: NATS_URL must be a nats:\/\/, tls:\/\/, ws:\/\/ or wss:\/\/ URL, or a comma/,
  );
});

Deno.test("config: JETSTREAM_REPLICAS, 1 to 5, unset unless given", () => {
  assert.equal(parseConfig("users", schema, { JWT_SECRET: secret }).JETSTREAM_REPLICAS, undefined);
  const three = parseConfig("users", schema, { JWT_SECRET: secret, JETSTREAM_REPLICAS: "3" });
  assert.equal(three.JETSTREAM_REPLICAS, 3);
  assert.throws(
    () => parseConfig("users", schema, { JWT_SECRET: secret, JETSTREAM_REPLICAS: "7" }),
    new ConfigError("config: JETSTREAM_REPLICAS must be 1 to 5"),
  );
});
