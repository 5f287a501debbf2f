/**
 * Certificates for tests of TLS, made with /usr/bin/openssl into a folder: a CA, a server
 * certificate it signed for the names given, and a second CA that signed nothing (to prove a
 * client that trusts the wrong CA is refused). EC P-256 keys, valid for a day.
 */

/** PEM files in the folder given to `makeCertificates`. */
export interface TestCertificates {
  /** The CA that signed the server's certificate. */
  caFile: string;
  /** A CA that signed nothing here. */
  wrongCaFile: string;
  certFile: string;
  /** The server's key, readable by its owner only (Postgres refuses any other). */
  keyFile: string;
}

/** Runs `command` (as `postgres` when we are root and asked to), throwing its output on failure. */
export async function run(command: string, args: string[], asPostgres = false): Promise<void> {
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

/** True when /usr/bin/openssl is there to make certificates with. */
export function hasOpenssl(): boolean {
  try {
    Deno.statSync("/usr/bin/openssl");
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the CAs and a server certificate for `names` (`DNS:localhost`, `IP:127.0.0.1`: its
 * subjectAltName entries; the first one's value is its CN) in `dir`. Throws openssl's output
 * when a step fails.
 */
export async function makeCertificates(dir: string, names: string[]): Promise<TestCertificates> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const name of ["ca", "wrong-ca"]) {
    await run("openssl", [
      ...["req", "-x509", ...ec, "-keyout", `${dir}/${name}.key`, "-out", `${dir}/${name}.crt`],
      ...["-days", "1", "-subj", `/CN=${name}`],
    ]);
  }
  const cn = names[0].slice(names[0].indexOf(":") + 1);
  await run("openssl", [
    ...["req", ...ec, "-keyout", `${dir}/server.key`, "-out", `${dir}/server.csr`],
    ...["-subj", `/CN=${cn}`],
  ]);
  await Deno.writeTextFile(`${dir}/san.ext`, `subjectAltName=${names.join(",")}\n`);
  await run("openssl", [
    ...["x509", "-req", "-in", `${dir}/server.csr`, "-CA", `${dir}/ca.crt`, "-CAkey"],
    ...[`${dir}/ca.key`, "-CAcreateserial", "-out", `${dir}/server.crt`, "-days", "1"],
    ...["-extfile", `${dir}/san.ext`],
  ]);
  await Deno.chmod(`${dir}/server.key`, 0o600);
  return {
    caFile: `${dir}/ca.crt`,
    wrongCaFile: `${dir}/wrong-ca.crt`,
    certFile: `${dir}/server.crt`,
    keyFile: `${dir}/server.key`,
  };
}
