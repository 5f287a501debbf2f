/**
 * The reference for what distribution costs: the same domain as a modular monolith. One
 * process, one database, one transaction per order that prices it, charges the wallet and
 * reserves the stock, confirming or cancelling it at once. Its own schema, made here.
 */
import type { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";

const schema = `
  create schema if not exists monolith;
  create table monolith.products (id int primary key, price_cents int not null, stock int not null check (stock >= 0));
  create table monolith.wallets (user_id int primary key, balance_cents int not null check (balance_cents >= 0));
  create table monolith.orders (id bigserial primary key, user_id int not null, product_id int not null,
    quantity int not null, total_cents int not null, status text not null,
    created_at timestamptz not null default clock_timestamp());
`;

export interface Monolith {
  placeOrder(userId: number, productId: number, quantity: number): Promise<string>;
  close(): Promise<void>;
}

type Query = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;
type Transact = <T>(work: (query: Query) => Promise<T>) => Promise<T>;

export async function postgresMonolith(url: string, users: number): Promise<Monolith> {
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  await sql.unsafe(schema).simple();
  const transact: Transact = (work) =>
    sql.begin((tx) => work((text, params) => tx.unsafe(text, params as never[]))) as never;
  await seed(transact, users);
  return { placeOrder: placeOrderWith(transact), close: () => sql.end() };
}

export async function pgliteMonolith(users: number): Promise<Monolith> {
  const { PGlite } = await import("@electric-sql/pglite");
  const db: PGlite = await PGlite.create();
  await db.exec(schema);
  const transact: Transact = (work) =>
    db.transaction((tx) =>
      work(async (text, params) => (await tx.query<Record<string, unknown>>(text, params)).rows)
    );
  await seed(transact, users);
  return { placeOrder: placeOrderWith(transact), close: () => db.close() };
}

async function seed(transact: Transact, users: number) {
  await transact(async (query) => {
    await query("insert into monolith.products values (1, 400, 1000000000)", []);
    await query(
      "insert into monolith.wallets select g, 1000000000 from generate_series(1, $1::int) g",
      [users],
    );
  });
}

function placeOrderWith(transact: Transact) {
  return (userId: number, productId: number, quantity: number) =>
    transact(async (query) => {
      const [product] = await query(
        "select price_cents from monolith.products where id = $1",
        [productId],
      );
      const total = Number(product.price_cents) * quantity;
      const charged = await query(
        "update monolith.wallets set balance_cents = balance_cents - $2 where user_id = $1 and balance_cents >= $2 returning 1",
        [userId, total],
      );
      const reserved = charged.length === 0 ? [] : await query(
        "update monolith.products set stock = stock - $2 where id = $1 and stock >= $2 returning 1",
        [productId, quantity],
      );
      const status = charged.length === 0
        ? "cancelled"
        : reserved.length === 0
        ? "cancelled"
        : "confirmed";
      if (charged.length > 0 && reserved.length === 0) {
        await query(
          "update monolith.wallets set balance_cents = balance_cents + $2 where user_id = $1",
          [userId, total],
        );
      }
      await query(
        "insert into monolith.orders (user_id, product_id, quantity, total_cents, status) values ($1, $2, $3, $4, $5)",
        [userId, productId, quantity, total, status],
      );
      return status;
    });
}
