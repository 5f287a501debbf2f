/**
 * Postgres over TLS, against a server this test starts with a certificate it makes
 * (tests/harness/postgres_tls.ts): a service's database opens with `sslmode=verify-full` and
 * `sslrootcert`, as libpq spells them, and migrates; what does not verify is refused.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { openDatabase } from "../shared/db/client.ts";
import { postgresConnection } from "../shared/db/postgres_tls.ts";
import { migrations } from "../services/orders/db/migrations.ts";
import { findInitdb, startTlsPostgres } from "./harness/postgres_tls.ts";

const found = findInitdb();
if ("missing" in found) console.log(`postgres tls: skipped, ${found.missing}`);

/** Connects with `url` (its TLS parameters read as openDatabase reads them) and asks once. */
async function connects(url: string): Promise<void> {
  const { url: plain, ssl } = postgresConnection(url);
  const client = postgres(plain, { max: 1, onnotice: () => {}, ...(ssl ? { ssl } : {}) });
  try {
    await client`select 1`;
  } finally {
    await client.end({ timeout: 1 });
  }
}

Deno.test({
  name: "postgres over TLS: verified against the CA given, refused otherwise",
  ignore: "missing" in found,
  sanitizeResources: false,
  fn: async (t) => {
    const server = await startTlsPostgres((found as { initdb: string }).initdb);
    const byName = server.url;
    const byAddress = server.url.replace("localhost", "127.0.0.1");
    try {
      await t.step("verify-full with the CA: a service's database opens and migrates", async () => {
        const database = await openDatabase({
          service: "orders",
          migrations,
          url: `${byName}?sslmode=verify-full&sslrootcert=${server.caFile}`,
        });
        try {
          const rows = await database.db.execute(sql`select
            (select count(*)::int from orders.migrations) as "applied",
            (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as "tls"`);
          assert.deepEqual([...rows as unknown as unknown[]], [{
            applied: migrations.length,
            tls: true,
          }]);
        } finally {
          await database.close();
        }
      });

      await t.step("a plain connection is refused: the server takes TLS only", async () => {
        await assert.rejects(() => connects(`${byName}?sslmode=disable`), /no encryption/);
      });

      await t.step("a CA that did not sign the server's certificate is refused", async () => {
        await assert.rejects(
          () => connects(`${byName}?sslmode=verify-full&sslrootcert=${server.wrongCaFile}`),
          /certificate|issuer|self.signed/i,
        );
      });

      await t.step("verify-full refuses a host the certificate does not name", async () => {
        // The certificate names localhost only; verify-ca checks the chain and not the name.
        await assert.rejects(
          () => connects(`${byAddress}?sslmode=verify-full&sslrootcert=${server.caFile}`),
          /certificate|name|IP|altnames/i,
        );
        await connects(`${byAddress}?sslmode=verify-ca&sslrootcert=${server.caFile}`);
      });
    } finally {
      await server.stop();
    }
  },
});
