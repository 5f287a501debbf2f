/**
 * How a database URL's libpq TLS parameters become postgres.js options, without a server
 * (tests/postgres_tls_test.ts connects to one).
 */
import assert from "node:assert/strict";
import type { PeerCertificate } from "node:tls";
import { ConfigError } from "../config/mod.ts";
import { postgresConnection } from "./postgres_tls.ts";

const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** What node:tls hands checkServerIdentity for a certificate naming localhost only. */
const localhostOnly = {
  subject: { CN: "localhost" },
  subjectaltname: "DNS:localhost",
} as unknown as PeerCertificate;

Deno.test("postgres TLS: libpq's sslmode and sslrootcert as postgres.js options", async (t) => {
  const dir = await Deno.makeTempDir();
  const caFile = `${dir}/ca.crt`;
  await Deno.writeTextFile(caFile, pem);
  try {
    await t.step("no verifying mode: the URL goes to postgres.js as it is", () => {
      for (const url of ["postgres://a@db/app", "postgres://a@db/app?sslmode=require"]) {
        assert.deepEqual(postgresConnection(url), { url });
      }
    });

    await t.step("verify-full: the CA read, the parameters taken out, the name checked", () => {
      const { url, ssl } = postgresConnection(
        `postgres://a@localhost:5432/app?sslmode=verify-full&sslrootcert=${caFile}&x=1`,
      );
      assert.equal(url, "postgres://a@localhost:5432/app?x=1");
      assert.equal(ssl?.ca, pem);
      assert.equal(ssl?.rejectUnauthorized, true);
      assert.equal(ssl?.checkServerIdentity?.("ignored", localhostOnly), undefined);
      const { ssl: byAddress } = postgresConnection(
        `postgres://a@127.0.0.1/app?sslmode=verify-full&sslrootcert=${caFile}`,
      );
      assert.ok(byAddress?.checkServerIdentity?.("ignored", localhostOnly) instanceof Error);
    });

    await t.step("verify-ca, or require with a CA: the chain only", () => {
      for (const mode of ["verify-ca", "require"]) {
        const { ssl } = postgresConnection(
          `postgres://a@127.0.0.1/app?sslmode=${mode}&sslrootcert=${caFile}`,
        );
        assert.equal(ssl?.ca, pem, mode);
        assert.equal(ssl?.checkServerIdentity?.("ignored", localhostOnly), undefined, mode);
      }
    });

    await t.step("sslrootcert=system: the runtime's CAs, the name still checked", () => {
      const { url, ssl } = postgresConnection("postgres://a@127.0.0.1/app?sslrootcert=system");
      assert.equal(url, "postgres://a@127.0.0.1/app");
      assert.equal(ssl?.ca, undefined);
      assert.ok(ssl?.checkServerIdentity?.("ignored", localhostOnly) instanceof Error);
    });

    await t.step("a CA with a mode that would not use it, or no file, is refused", () => {
      assert.throws(
        () => postgresConnection(`postgres://a@db/app?sslmode=prefer&sslrootcert=${caFile}`),
        new ConfigError(
          "database URL: sslrootcert needs sslmode=verify-full, verify-ca or require, not prefer",
        ),
      );
      assert.throws(
        () => postgresConnection(`postgres://a@db/app?sslmode=verify-full&sslrootcert=${dir}/no`),
        (error: Error) =>
          error instanceof ConfigError && error.message.includes(`sslrootcert ${dir}/no cannot`),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
