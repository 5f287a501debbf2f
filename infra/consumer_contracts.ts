/**
 * The consumers' contracts, recorded: shared/contracts/consumer_reads.json holds, per consumer and
 * `<type>@<version>`, each field its handlers read (their `reads`), with the JSON Schema and
 * presence it had when first read (shared/contracts/consumer_contracts.ts). `deno task generate`
 * adds newly read fields and drops those no longer read; a field already recorded keeps its
 * schema, so a producer's retyping fails tests/consumer_contracts_test.ts until the consumer's
 * entry is deleted and generated again.
 */
import { fileURLToPath } from "node:url";
import { type ConsumerContracts, recordContracts } from "../shared/contracts/consumer_contracts.ts";
import { serviceHandlers } from "./service_handlers.ts";

/** Where the recorded contracts are. */
export const contractsPath = fileURLToPath(
  new URL("../shared/contracts/consumer_reads.json", import.meta.url),
);

/** The recorded contracts, or none when the file does not exist yet. */
export async function recordedContracts(): Promise<ConsumerContracts> {
  try {
    return JSON.parse(await Deno.readTextFile(contractsPath));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

/** The file's text for `contracts`, as `deno fmt` leaves it. */
export const contractsText = (contracts: ConsumerContracts): string =>
  JSON.stringify(contracts, null, 2) + "\n";

if (import.meta.main) {
  const contracts = recordContracts(serviceHandlers, await recordedContracts());
  await Deno.writeTextFile(contractsPath, contractsText(contracts));
  console.log(`consumer contracts: wrote ${contractsPath}`);
}
