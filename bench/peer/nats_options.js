// The NATS transporter's options for `url`: signed in with the NKey seed in BENCH_NATS_SEED and
// trusting the CA in NATS_CA_FILE, when given (nats.js 2.x's own options, passed through).
import { nkeyAuthenticator } from "nats";

export function natsOptions(url) {
  const seed = process.env.BENCH_NATS_SEED;
  const caFile = process.env.NATS_CA_FILE;
  return {
    url,
    ...(seed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) } : {}),
    ...(caFile ? { tls: { caFile } } : {}),
  };
}
