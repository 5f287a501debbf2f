/**
 * A throwaway Postgres that takes TLS connections only: initdb into a temporary folder, a CA and
 * a server certificate made with openssl for the occasion, `ssl = on`, pg_hba.conf with
 * `hostssl` lines only, a free port on 127.0.0.1, its unix socket in the folder. Run as the
 * current user, or as `postgres` through runuser when that is root (initdb refuses root).
 */
import { makeCertificates, run } from "./certificates.ts";
import { freePort } from "./nats_server.ts";

/** A running TLS-only Postgres. */
export interface TlsPostgres {
  /** `postgres://postgres@localhost:<port>/postgres`, no TLS parameters: add them. */
  url: string;
  port: number;
  /** PEM files: the CA that signed the server's certificate, and one that did not. */
  caFile: string;
  wrongCaFile: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** initdb of the newest Postgres installed, or a reason there is none. */
export function findInitdb(): { initdb: string } | { missing: string } {
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = [...Deno.readDirSync(root)].map((entry) => entry.name)
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return { missing: `no ${root}: initdb is not installed` };
  }
  for (const version of versions) {
    const initdb = `${root}/${version}/bin/initdb`;
    try {
      Deno.statSync(initdb);
      Deno.statSync("/usr/bin/openssl");
      return { initdb };
    } catch {
      continue;
    }
  }
  return { missing: `no ${root}/*/bin/initdb with /usr/bin/openssl` };
}

/**
 * Starts a TLS-only Postgres whose certificate names `localhost` only (not 127.0.0.1), so a
 * test can tell verify-full from verify-ca. Throws when any step fails.
 */
export async function startTlsPostgres(initdb: string): Promise<TlsPostgres> {
  const bin = initdb.slice(0, -"/initdb".length);
  const dir = await Deno.makeTempDir({ prefix: "pg-tls-" });
  const port = freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      await run(`${bin}/pg_ctl`, ["stop", "-D", `${dir}/data`, "-m", "immediate"], true)
        .catch(() => {});
    }
    await Deno.remove(dir, { recursive: true });
  };
  try {
    // Postgres refuses a key others may read (makeCertificates makes it owner-only); the
    // folder must be the server user's.
    await makeCertificates(dir, ["DNS:localhost"]);
    if (Deno.uid() === 0) await run("chown", ["-R", "postgres:postgres", dir]);
    await run(initdb, ["-D", `${dir}/data`, "-U", "postgres", "--auth=trust", "-E", "UTF8"], true);
    await Deno.writeTextFile(
      `${dir}/data/pg_hba.conf`,
      "local all all trust\nhostssl all all 127.0.0.1/32 trust\n",
    );
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c ssl=on",
      `-c ssl_cert_file=${dir}/server.crt`,
      `-c ssl_key_file=${dir}/server.key`,
      "-c fsync=off",
    ].join(" ");
    await run(
      `${bin}/pg_ctl`,
      ["start", "-w", "-D", `${dir}/data`, "-l", `${dir}/log`, "-o", settings],
      true,
    );
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `postgres://postgres@localhost:${port}/postgres`,
    port,
    caFile: `${dir}/ca.crt`,
    wrongCaFile: `${dir}/wrong-ca.crt`,
    stop,
  };
}
