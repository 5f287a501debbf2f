/**
 * A throwaway Postgres that takes TLS connections only: initdb into a temporary folder, a CA and
 * a server certificate made with openssl for the occasion, `ssl = on`, pg_hba.conf with
 * `hostssl` lines only, a free port on 127.0.0.1, its unix socket in the folder. Run as the
 * current user, or as `postgres` through runuser when that is root (initdb refuses root).
 */
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

/** Runs `command` (as `postgres` when we are root), throwing its output when it fails. */
async function run(command: string, args: string[], asPostgres = false) {
  const [cmd, argv] = asPostgres && Deno.uid() === 0
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
  const output = await new Deno.Command(cmd, { args: argv, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) || new TextDecoder().decode(output.stdout);
    throw new Error(`${command} ${args.join(" ")} failed: ${text}`);
  }
}

/** A CA (certificate and key) in `dir` named `name`, valid for a day. */
async function makeCa(dir: string, name: string) {
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
    ...["-keyout", `${dir}/${name}.key`, "-out", `${dir}/${name}.crt`, "-days", "1"],
    ...["-subj", `/CN=${name}`],
  ]);
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
    await makeCa(dir, "ca");
    await makeCa(dir, "wrong-ca");
    await run("openssl", [
      ...["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", `${dir}/server.key`, "-out", `${dir}/server.csr`, "-subj", "/CN=localhost"],
    ]);
    await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=DNS:localhost\n");
    await run("openssl", [
      ...["x509", "-req", "-in", `${dir}/server.csr`, "-CA", `${dir}/ca.crt`, "-CAkey"],
      ...[`${dir}/ca.key`, "-CAcreateserial", "-out", `${dir}/server.crt`, "-days", "1"],
      ...["-extfile", `${dir}/san.ext`],
    ]);
    // Postgres refuses a key others may read; the folder must be the server user's.
    await Deno.chmod(`${dir}/server.key`, 0o600);
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
