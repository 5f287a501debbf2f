/**
 * The public keys the gateway verifies access tokens with: the key set the users service publishes
 * (`rpc.users.publicKeys`), asked for at start and again until it answers, then every
 * `refreshMs`, and when a token names a kid not in it (a key users started signing with since),
 * at most once per `unknownKidGapMs`, so tokens with made-up kids cannot flood users. Each refresh
 * imports the keys once; a request only looks one up. A failed refresh keeps the keys it had: a
 * users outage does not log everyone out. A retired key (`until`) stops verifying at its `until`,
 * checked here on every lookup, not at the next refresh.
 */
import { importJWK } from "jose";
import type { Jwks } from "../../shared/contracts/mod.ts";
import { ServiceError } from "../../shared/errors/mod.ts";
import type { Logger } from "../../shared/log/mod.ts";

export interface TokenKeysOptions {
  /** Asks the users service for its key set. */
  fetch: () => Promise<Jwks>;
  /** How often the key set is asked for again once known, in ms. */
  refreshMs: number;
  /** The least time between two refreshes for unknown kids, in ms (default 5000). */
  unknownKidGapMs?: number;
  /** How soon an attempt is retried while no key set has arrived, in ms (default 1000). */
  retryMs?: number;
  log: Logger;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

interface KnownKey {
  key: CryptoKey;
  /** Epoch ms after which the key verifies nothing; Infinity for one not retired. */
  until: number;
}

export class TokenKeys {
  #keys: Map<string, KnownKey> | null = null;
  #refreshing: Promise<void> | null = null;
  #lastRefresh = -Infinity;
  #failures = 0;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #stopped = false;
  /** Key sets asked for so far (tests count them). */
  fetches = 0;
  readonly #now: () => number;

  constructor(readonly options: TokenKeysOptions) {
    this.#now = options.now ?? Date.now;
  }

  /** Whether a key set has arrived: until then every token is answered 503. */
  get known(): boolean {
    return this.#keys !== null;
  }

  /**
   * Starts asking: resolves after the first answer (or failure) or `waitMs` (default 1000),
   * whichever comes first, so a gateway that starts beside users serves tokens at once, and one
   * that starts without it starts anyway and keeps asking every `retryMs`.
   */
  start(waitMs = 1000): Promise<void> {
    const first = this.#attempt();
    first.then(() => this.#loop());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs));
    return Promise.race([first, waited]).finally(() => clearTimeout(timer));
  }

  /** Stops asking; the keys known so far stay usable. */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /**
   * The key named `kid`, imported, or undefined: no such key (after one refresh, unless one was
   * made within `unknownKidGapMs`), no kid at all, or a retired key past its `until`. Throws
   * ServiceError `unavailable` while no key set has arrived.
   */
  async key(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (this.#keys === null) {
      throw new ServiceError("unavailable", "the token keys are not known yet; try again shortly");
    }
    if (kid === undefined) return undefined;
    if (!this.#keys.has(kid)) {
      if (this.#refreshing) await this.#refreshing;
      else if (this.#now() - this.#lastRefresh >= (this.options.unknownKidGapMs ?? 5000)) {
        await this.refresh();
      }
    }
    const found = this.#keys.get(kid);
    return found && this.#now() < found.until ? found.key : undefined;
  }

  /** Asks for the key set now (one request however many callers ask meanwhile). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#fetch().finally(() => this.#refreshing = null);
    return this.#refreshing;
  }

  async #fetch(): Promise<void> {
    this.#lastRefresh = this.#now();
    this.fetches++;
    const { keys } = await this.options.fetch();
    const imported = await Promise.all(keys.map(async (jwk) => {
      const key = await importJWK(jwk, "EdDSA") as CryptoKey;
      const until = jwk.until === undefined ? Infinity : Date.parse(jwk.until);
      return [jwk.kid, { key, until }] as const;
    }));
    const first = this.#keys === null;
    this.#keys = new Map(imported);
    this.options.log[first ? "info" : "debug"]("token keys known", {
      kids: keys.map((key) => key.kid),
    });
  }

  /** One refresh, its failure logged once per outage (waiting for users would log every second). */
  async #attempt(): Promise<void> {
    try {
      await this.refresh();
      this.#failures = 0;
    } catch (error) {
      if (this.#failures++ === 0) this.options.log.warn("could not get the token keys", { error });
    }
  }

  /** Again after `refreshMs` (or `retryMs` while no key set is known), until stopped. */
  async #loop(): Promise<void> {
    while (!this.#stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, this.#keys ? this.options.refreshMs : this.options.retryMs ?? 1000);
        this.#timers.add(timer);
      });
      if (!this.#stopped) await this.#attempt();
    }
  }
}
