/**
 * The ways NATS is secured that the benchmark compares, each a row beside the others: none (as
 * before issue 19), NKey identities with the generated permissions, and those over TLS.
 */

export interface Security {
  /** Appended to a row's name: "" for none. */
  label: string;
  authorization: boolean;
  tls: boolean;
}

export const securities: readonly Security[] = [
  { label: "", authorization: false, tls: false },
  { label: "NKeys", authorization: true, tls: false },
  { label: "NKeys + TLS", authorization: true, tls: true },
];

/** `name`, with the security's label when it has one: `64 in flight, NKeys + TLS`. */
export function rowName(name: string, security: Security): string {
  return security.label ? `${name}, ${security.label}` : name;
}
