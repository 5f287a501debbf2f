/**
 * Example values for the contract tests: a valid `data` for every event type and a valid request
 * and reply for every RPC subject, all about one user, one order and one product.
 */

/** A fresh random UUID. */
export const id = () => crypto.randomUUID();
/** The user every example is about. */
export const userId = id();
/** The order every example is about. */
export const orderId = id();
/** The product every example is about. */
export const productId = id();
/** The examples' one timestamp (ISO 8601). */
export const at = new Date().toISOString();
// An Ed25519 public key: RFC 8037 §A.2's.
const x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const quoted = { productId, quantity: 2, unitPriceCents: 1200 };
/** An order line: the product, 2 of it. */
export const line = { productId, quantity: 2 };
const order = {
  id: orderId,
  status: "cancelled",
  reason: "out_of_stock",
  items: [quoted],
  totalCents: 2400,
  createdAt: at,
  updatedAt: at,
};
/** A valid `data` of each event, by event type. */
export const eventData: Record<string, unknown> = {
  "users.user.registered": { userId, email: "a@example.com", name: "Ada" },
  "orders.order.placed": { orderId, userId, items: [quoted], totalCents: 2400 },
  "orders.order.confirmed": { orderId, userId, totalCents: 2400 },
  "orders.order.cancelled": { orderId, userId, reason: "payment_declined" },
  "payments.payment.charged": { orderId, userId, amountCents: 2400, items: [line] },
  "payments.payment.declined": { orderId, userId, amountCents: 2400, balanceCents: 100 },
  "payments.payment.refunded": { orderId, userId, amountCents: 2400 },
  "catalog.stock.reserved": { orderId, userId, items: [line] },
  "catalog.stock.rejected": { orderId, userId, shortages: [{ ...line, available: 1 }] },
  "catalog.stock.released": { orderId, userId, items: [line] },
  "payments.refund.failed": { orderId, userId, error: 'relation "refunds" is locked' },
  "catalog.release.failed": { orderId, userId, error: 'relation "products" is locked' },
  "audit.operator.acted": {
    actor: "ada@example.com",
    action: "deadletter.discard",
    target: "DEADLETTERS#3",
    reason: "a test order",
    outcome: "discarded",
  },
};
/** A valid request and reply of each endpoint, by RPC subject. */
export const rpcExamples: Record<string, { request: unknown; reply: unknown }> = {
  "rpc.users.register": {
    request: { email: "a@example.com", password: "long enough", name: "Ada" },
    reply: { userId },
  },
  "rpc.users.login": {
    request: { email: "a@example.com", password: "x" },
    reply: { token: "a.b.c", expiresAt: at },
  },
  "rpc.users.getProfile": {
    request: { userId },
    reply: { userId, email: "a@example.com", name: "Ada", createdAt: at },
  },
  "rpc.users.publicKeys": {
    request: {},
    reply: {
      keys: [
        { kty: "OKP", crv: "Ed25519", x, kid: "k2", alg: "EdDSA", use: "sig" },
        { kty: "OKP", crv: "Ed25519", x, kid: "k1", alg: "EdDSA", use: "sig", until: at },
      ],
    },
  },
  "rpc.catalog.listProducts": {
    request: {},
    reply: {
      items: [{ id: productId, sku: "MUG-001", name: "Mug", priceCents: 1200, available: 3 }],
    },
  },
  "rpc.catalog.getProduct": {
    request: { productId },
    reply: { id: productId, sku: "MUG-001", name: "Mug", priceCents: 1200, available: 3 },
  },
  "rpc.catalog.quote": { request: { items: [line] }, reply: { items: [quoted], totalCents: 2400 } },
  "rpc.orders.placeOrder": {
    request: { userId, items: [line], idempotencyKey: "k" },
    reply: { orderId, status: "pending" },
  },
  "rpc.orders.getOrder": { request: { userId, orderId }, reply: order },
  "rpc.orders.listOrders": { request: { userId }, reply: { items: [order] } },
  "rpc.orders.getTimeline": {
    request: { userId, orderId },
    reply: {
      items: [{
        at,
        type: "orders.order.placed",
        source: "orders",
        service: "orders",
        durationMs: 0,
      }],
    },
  },
  "rpc.payments.getWallet": { request: { userId }, reply: { balanceCents: 100 } },
  "rpc.payments.deposit": { request: { userId, amountCents: 5 }, reply: { balanceCents: 105 } },
  "rpc.notifications.listNotifications": {
    request: { userId },
    reply: {
      items: [{ id: id(), orderId, kind: "order_confirmed", message: "Confirmed.", at }],
    },
  },
  "rpc.history.orderHistory": {
    request: { userId },
    reply: {
      orders: [
        {
          orderId,
          status: "cancelled",
          reason: "payment_declined",
          totalCents: 2400,
          itemCount: 2,
          placedAt: at,
          updatedAt: at,
        },
        {
          orderId: id(),
          status: "confirmed",
          totalCents: 1200,
          itemCount: 1,
          placedAt: at,
          updatedAt: at,
        },
      ],
      totals: { orders: 2, pending: 0, confirmed: 1, cancelled: 1, confirmedCents: 1200 },
    },
  },
};
