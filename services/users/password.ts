/**
 * Password hashing with PBKDF2-SHA256 from WebCrypto: slow on purpose, salted per user. The
 * iteration count is stored with the hash, so raising it later still verifies old hashes.
 */
import { timingSafeEqual } from "node:crypto";

const scheme = "pbkdf2-sha256";
const saltBytes = 16;
const hashBits = 256;
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const defaultIterations = 600_000;

export async function hashPassword(
  password: string,
  iterations = defaultIterations,
): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes));
  const hash = await derive(password, salt, iterations);
  return [scheme, iterations, toBase64(salt), toBase64(hash)].join("$");
}

/** False for a wrong password and for a stored hash this code cannot read. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [name, rounds, salt, hash] = stored.split("$");
  const iterations = Number(rounds);
  if (name !== scheme || !Number.isInteger(iterations) || !salt || !hash) return false;
  const expected = fromBase64(hash);
  const actual = await derive(password, fromBase64(salt), iterations);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

async function derive(password: string, salt: Uint8Array, iterations: number) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    hashBits,
  );
  return new Uint8Array(bits);
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
