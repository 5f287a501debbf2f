/**
 * The bridge's Ed25519 key pair as configured: BRIDGE_SIGNING_KEY (the bridge's private key,
 * PKCS#8 PEM or a private JWK) and BRIDGE_PUBLIC_KEY (the services' copy of its public part, SPKI
 * PEM or a public JWK).
 */
import {
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  type JWK,
} from "jose";
import { ConfigError } from "../config/mod.ts";
import { bridgeAlgorithm } from "./protocol.ts";

/**
 * BRIDGE_SIGNING_KEY's key: a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) or an Ed25519 private
 * JWK (with `d`). Throws a ConfigError naming what is wrong, never the key.
 */
export function importBridgeSigningKey(text: string): Promise<CryptoKey> {
  return importKey(text, "BRIDGE_SIGNING_KEY", "private");
}

/**
 * BRIDGE_PUBLIC_KEY's key: an SPKI PEM (`-----BEGIN PUBLIC KEY-----`) or an Ed25519 public JWK
 * (without `d`). Throws a ConfigError naming what is wrong.
 */
export function importBridgePublicKey(text: string): Promise<CryptoKey> {
  return importKey(text, "BRIDGE_PUBLIC_KEY", "public");
}

async function importKey(text: string, name: string, kind: "private" | "public") {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith("-----BEGIN")) {
      const pem = trimmed.replaceAll("\\n", "\n");
      return kind === "private"
        ? await importPKCS8(pem, bridgeAlgorithm)
        : await importSPKI(pem, bridgeAlgorithm);
    }
    if (trimmed.startsWith("{")) {
      const jwk = JSON.parse(trimmed) as JWK;
      if (kind === "public" && "d" in jwk) {
        throw new ConfigError(`${name} is a private key (it has d): give its public part only`);
      }
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") {
        throw new ConfigError(`${name} must be an Ed25519 key (kty OKP, crv Ed25519)`);
      }
      const key = await importJWK(jwk, bridgeAlgorithm);
      if (!(key instanceof CryptoKey) || key.type !== kind) {
        throw new ConfigError(`${name} must be a ${kind} Ed25519 JWK`);
      }
      return key;
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${name} is not a usable Ed25519 ${kind} key: ${(error as Error).name}`);
  }
  const pem = kind === "private" ? "PKCS#8 PEM" : "SPKI PEM";
  throw new ConfigError(`${name} must be an Ed25519 ${pem} or JWK`);
}

/** A fresh bridge key pair as its two variables hold it (PEM), for the dev runner and tests. */
export async function generateBridgeKeys(): Promise<{ signingKey: string; publicKey: string }> {
  const pair = await generateKeyPair(bridgeAlgorithm, { extractable: true });
  return {
    signingKey: await exportPKCS8(pair.privateKey),
    publicKey: await exportSPKI(pair.publicKey),
  };
}

/** The public JWK of a key pair made by `generateBridgeKeys` (for a JWK-configured service). */
export async function publicJwkOf(publicKeyPem: string): Promise<JWK> {
  const key = await importSPKI(publicKeyPem, bridgeAlgorithm, { extractable: true });
  return await exportJWK(key);
}
