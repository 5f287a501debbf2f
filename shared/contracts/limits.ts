/**
 * The bounds of every value the contracts accept, in one place: the README's limits table and
 * the gateway's body limit are read from here. Money is integer cents; lengths are UTF-16 code
 * units (JavaScript's `string.length`), which is what zod's `.max()` counts.
 *
 * Money must stay exact in a JavaScript number: every sum the platform forms is kept below
 * `Number.MAX_SAFE_INTEGER` (2^53 - 1, about 9.007e15) by the bounds below, and the columns that
 * hold it are Postgres `bigint` (2^63 - 1), so the database never refuses a sum JavaScript holds.
 */

/**
 * The most one deposit adds: 10^9 cents (10 million units). The contract's figure since its
 * first release; a single payment above it is not what this shop takes.
 */
export const maxDepositCents = 1_000_000_000;

/**
 * The ceiling of a wallet's balance where money comes in (a deposit, the opening balance):
 * 10^12 cents (10 billion units). A deposit that would take the balance past it is refused (422).
 * A refund is never capped: it gives back money the wallet held before, and the 64-bit column
 * has room. A balance passes the ceiling only by the refunds of charges in flight, each paid by
 * deposits made after it was charged; to lose exactness (2^53, about 9,007 ceilings) a user
 * would need millions of the largest deposits charged to orders not yet settled. Chosen well
 * below 2^53 for that margin, and far above any real wallet.
 */
export const maxBalanceCents = 1_000_000_000_000;

/** The most one product may cost: 10^8 cents (1 million units). */
export const maxPriceCents = 100_000_000;

/** The most of one product one order line asks for. */
export const maxQuantity = 1_000;

/** The most lines one order has. */
export const maxOrderLines = 100;

/**
 * The largest total an order can reach: every line at the largest quantity and price, 10^13
 * cents. Below 2^53, so the sum of the lines is exact in a JavaScript number.
 */
export const maxOrderTotalCents = maxOrderLines * maxQuantity * maxPriceCents;

/**
 * The most stock a product holds: Postgres `integer` (2^31 - 1), its column's type. A release
 * puts back only what a reservation took, so the stock never grows past what it was set to.
 */
export const maxStock = 2_147_483_647;

/**
 * The most products a catalog lists in one reply: about 150 bytes each, far below NATS
 * max_payload (1 MiB). A larger catalog needs paging first.
 */
export const maxProducts = 1_000;

/** An email address: 254 characters, the longest forward path of RFC 5321 (256) less `<>`. */
export const maxEmailLength = 254;

/** A password: at least 8, at most 256 characters (hashed, never stored). */
export const minPasswordLength = 8;
/** The longest password, in characters (see `minPasswordLength`). */
export const maxPasswordLength = 256;

/** A person's or a product's display name. */
export const maxNameLength = 200;

/** A product's stock-keeping unit. */
export const maxSkuLength = 64;

/** An `Idempotency-Key` header (Stripe's keys are up to 255; ours 200, as since the start). */
export const maxIdempotencyKeyLength = 200;

/**
 * A correlation id (the gateway's `x-request-id`, an event's `correlationId` and
 * `causationId`): at most 128 characters of `[A-Za-z0-9_=-]`. The charset is the one Hono's
 * request-id middleware accepts from a client; a UUID is 36 characters.
 */
export const maxCorrelationIdLength = 128;

/** An event's type (`<owner>.<aggregate>.<fact>`) or a service's name (an event's `source`). */
export const maxEventTypeLength = 128;
/** The longest service name, in characters (see `maxEventTypeLength`). */
export const maxServiceNameLength = 64;

/** A message a notification carries. */
export const maxMessageLength = 1_000;

/**
 * An operator's reason (a dead letter's or a parked outbox row's discard): 3 to 500 characters
 * of one line, as the gateway has asked since dead letters could be discarded.
 */
export const minOperatorReasonLength = 3;
/** The longest operator's reason, in characters (see `minOperatorReasonLength`). */
export const maxOperatorReasonLength = 500;

/**
 * The fields of an `audit.operator.acted` event: who (an admin's email, at most 254, or the CLI's
 * user), what it touched (a service, a stream range with a subject of at most 256), and how it
 * ended (an error text, clipped by the code that records it).
 */
export const maxAuditActorLength = 256;
/** The longest `target` of an audit event, in characters (see `maxAuditActorLength`). */
export const maxAuditTargetLength = 512;
/** The longest `outcome` of an audit event, in characters (see `maxAuditActorLength`). */
export const maxAuditOutcomeLength = 2_000;

/**
 * An access token's key id (`kid`): 1 to 64 of `[A-Za-z0-9._-]`. It names the key in every
 * token's header and in logs, so it is short and plain.
 */
export const maxKeyIdLength = 64;

/**
 * Public keys the users service publishes at once: the signing key and the retired ones still
 * inside their overlap. A rotation adds one; more than a handful means retired keys were never
 * let go.
 */
export const maxPublishedKeys = 16;

/**
 * The longest failure text a `*.failed` event carries (characters); a longer one is cut to fit
 * by its producer, so an event never fails its own schema.
 */
export const maxErrorLength = 1_000;
