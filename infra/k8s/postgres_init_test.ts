/**
 * The in-cluster Postgres of the Kubernetes manifests lets each service in: a throwaway server
 * that checks passwords (scram-sha-256 over TCP), the scripts of the `postgres-init` ConfigMap run
 * in their order as the image's entrypoint runs them, with the environment the StatefulSet gives
 * (each service's URLs from `deno task k8s:secrets`' Secrets); then every runtime and owner URL logs
 * in as its role, and a wrong password does not.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "postgres";
import { registry } from "../../services/registry.ts";
import { run } from "../../tests/harness/certificates.ts";
import { freePort } from "../../tests/harness/nats_server.ts";
import { findInitdb } from "../../tests/harness/postgres_tls.ts";
import { filledSecrets } from "./fill_secrets.ts";
import { postgresObjects, urlPasswordPattern } from "./postgres.ts";
import { database } from "./secrets.ts";

const found = findInitdb();
if ("missing" in found) console.log(`k8s postgres init: skipped, ${found.missing}`);

Deno.test({
  name: "k8s manifests: Postgres's init scripts let each service in with its URL's password",
  ignore: "missing" in found,
  fn: async () => {
    const initdb = (found as { initdb: string }).initdb;
    const bin = initdb.slice(0, -"/initdb".length);
    const dir = await Deno.makeTempDir({ prefix: "k8s-postgres-" });
    const secretsDir = await Deno.makeTempDir({ prefix: "k8s-secrets-" });
    const port = freePort();
    let started = false;
    const opened: postgres.Sql[] = [];
    try {
      if (Deno.uid() === 0) await run("chown", ["-R", "postgres:postgres", dir]);
      await run(
        initdb,
        ["-D", `${dir}/data`, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        true,
      );
      await Deno.writeTextFile(
        `${dir}/data/pg_hba.conf`,
        "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
      );
      const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      await run(
        `${bin}/pg_ctl`,
        ["start", "-w", "-D", `${dir}/data`, "-l", `${dir}/log`, "-o", settings],
        true,
      );
      started = true;
      const psql = (args: string[], env: Record<string, string> = {}) =>
        new Deno.Command("psql", {
          args: [
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            dir,
            "-p",
            String(port),
            "-U",
            "postgres",
            ...args,
          ],
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
      assert.equal((await psql(["-c", `create database ${database.name}`])).code, 0);

      const secrets = new Map(
        (await filledSecrets(secretsDir)).map((s) => [s.metadata!.name!, s.stringData!]),
      );
      const [init, , statefulSet] = postgresObjects(registry) as [
        { data: Record<string, string> },
        unknown,
        { spec: { template: { spec: { containers: { env: Record<string, never>[] }[] } } } },
      ];
      const env: Record<string, string> = {};
      for (const { name, valueFrom } of statefulSet.spec.template.spec.containers[0].env) {
        const ref = (valueFrom as { secretKeyRef?: { name: string; key: string } })?.secretKeyRef;
        if (ref && name !== "POSTGRES_PASSWORD") env[name] = secrets.get(ref.name)![ref.key];
      }
      for (const script of Object.keys(init.data).sort()) {
        const file = join(dir, script);
        await Deno.writeTextFile(file, init.data[script]);
        const output = await psql(["-d", database.name, "-f", file], env);
        assert.equal(output.code, 0, `${script}: ${new TextDecoder().decode(output.stderr)}`);
      }

      const local = (url: string) =>
        url.replace(`@${database.host}:${database.port}/`, `@127.0.0.1:${port}/`);
      const login = async (url: string) => {
        const sql = postgres(local(url), { max: 1, onnotice: () => {}, connect_timeout: 5 });
        opened.push(sql);
        return (await sql<{ role: string }[]>`select current_user as role`)[0].role;
      };
      const owning = registry.filter((service) => service.migrations);
      assert.ok(owning.length > 0);
      for (const { name } of owning) {
        const credentials = secrets.get(`${name}-credentials`)!;
        assert.equal(await login(credentials.DATABASE_URL), name);
        assert.equal(await login(credentials.MIGRATION_DATABASE_URL), `${name}_owner`);
      }
      const wrong = secrets.get(`${owning[0].name}-credentials`)!.DATABASE_URL
        .replace(/:[0-9a-f]{48}@/, ":wrong@");
      await assert.rejects(login(wrong), /password authentication failed/);

      // The password is what lies between the role's colon and the last @, as given.
      const admin = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, {
        max: 1,
        host: dir,
        onnotice: () => {},
      });
      opened.push(admin);
      const passwordOf = async (url: string) =>
        (await admin<
          { p: string | null }[]
        >`select substring(${url} from ${urlPasswordPattern}) p`)[0].p;
      assert.equal(await passwordOf("postgres://a:s3cret-X@postgres:5432/app"), "s3cret-X");
      assert.equal(await passwordOf("postgresql://a_owner:p@ss@db.example:5432/app"), "p@ss");
      assert.equal(await passwordOf("postgres://a@postgres:5432/app"), null);
    } finally {
      await Promise.all(opened.map((sql) => sql.end({ timeout: 1 })));
      if (started) {
        await run(`${bin}/pg_ctl`, ["stop", "-D", `${dir}/data`, "-m", "immediate"], true)
          .catch(() => {});
      }
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(secretsDir, { recursive: true });
    }
  },
});
