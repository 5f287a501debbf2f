import { base64url } from "jose";

/** The `bsh` claim of a body: base64url (no padding) of its SHA-256. Empty body: of no bytes. */
export async function bodyHash(body: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>);
  return base64url.encode(new Uint8Array(digest));
}
