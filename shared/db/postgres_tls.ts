/**
 * TLS to Postgres as a libpq URL asks for it. postgres.js 3.4.9 reads `sslmode` itself (`require`
 * encrypts without verifying, `verify-full` verifies against the runtime's own CAs, but names no
 * server for an IP address, so the address goes unchecked) and not `sslrootcert`: it would send
 * that to the server as a setting, which then refuses the session. So a verifying URL is turned
 * into postgres.js's `ssl` options here.
 */
import { checkServerIdentity, type ConnectionOptions } from "node:tls";
import { ConfigError } from "../config/mod.ts";

/** A URL postgres.js can take as it is, and the TLS options it cannot read from the URL. */
export interface PostgresConnection {
  /** The URL without `sslrootcert` and `sslmode` when they became `ssl`, else as given. */
  url: string;
  /** For postgres.js's `ssl` option: the CA to trust and whether to check the host name. */
  ssl?: ConnectionOptions;
}

/**
 * Reads `sslmode` and `sslrootcert` from `url`. `verify-full`: the server's certificate must chain
 * to the CA in the `sslrootcert` file (PEM), or to the runtime's own CAs without one or with
 * `sslrootcert=system`, and name the URL's host, an IP address too. `verify-ca`, or `require`
 * with a CA file (as libpq does): the chain only. Anything else (`disable`, `prefer`, `require`
 * alone) is left to postgres.js. Throws `ConfigError` when the file cannot be read, or when a CA
 * file is given with a mode that would not use it: a mistake to say, not to pass over.
 */
export function postgresConnection(url: string): PostgresConnection {
  const parsed = new URL(url);
  const rootCert = parsed.searchParams.get("sslrootcert");
  const caFile = rootCert === null || rootCert === "system" ? null : rootCert;
  // postgres.js reads sslrootcert=system as verify-full; so does libpq.
  const mode = parsed.searchParams.get("sslmode") ?? (rootCert === "system" ? "verify-full" : null);
  const verifying = mode === "verify-full" || mode === "verify-ca" ||
    (mode === "require" && caFile !== null);
  if (caFile !== null && !verifying) {
    throw new ConfigError(
      `database URL: sslrootcert needs sslmode=verify-full, verify-ca or require, not ${
        mode ?? "none"
      }`,
    );
  }
  if (!verifying) return { url };
  let ca: string | undefined;
  if (caFile !== null) {
    try {
      ca = Deno.readTextFileSync(caFile);
    } catch (error) {
      throw new ConfigError(
        `database URL: sslrootcert ${caFile} cannot be read (${(error as Error).message})`,
      );
    }
  }
  parsed.searchParams.delete("sslrootcert");
  parsed.searchParams.delete("sslmode");
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  return {
    url: parsed.toString(),
    ssl: {
      ...(ca === undefined ? {} : { ca }),
      rejectUnauthorized: true,
      // postgres.js names no server for an IP address, and then nothing compares the address
      // with the certificate's: ask for it here. verify-ca: any name, as long as the CA signed it.
      checkServerIdentity: mode === "verify-full"
        ? (_host, certificate) => checkServerIdentity(host, certificate)
        : () => undefined,
    },
  };
}
