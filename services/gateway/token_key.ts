/**
 * The key the gateway checks tokens with, imported once. Hono's `jwt()` and `verify()` take a
 * string secret too, but then import it again on every request; a CryptoKey they use as it is.
 */
export function tokenKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
}
