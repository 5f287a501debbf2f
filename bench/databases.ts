/** A Postgres database of the benchmark's own, made for one suite and dropped after it. */
import postgres from "postgres";
import { withDatabase } from "../tests/harness/databases.ts";

export async function freshDatabase(adminUrl: string) {
  const name = `bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
