/**
 * The README's saga diagram, drawn from the declared saga (shared/contracts/order_saga.ts): a
 * Mermaid flowchart between two marker comments. `deno task generate` writes it;
 * tests/saga_diagram_test.ts fails while the README differs, so the diagram cannot drift from the
 * declaration (which tests/saga_flow_test.ts holds to the handlers).
 */
import { fileURLToPath } from "node:url";
import type { EventDefinition } from "../shared/contracts/envelope.ts";
import type { Saga, SagaReaction } from "../shared/contracts/saga.ts";
import { orderSaga } from "../shared/contracts/order_saga.ts";

/** The comments the generated section sits between in README.md. */
export const markers = {
  begin: "<!-- saga diagram: made by infra/saga_diagram.ts from shared/contracts/order_saga.ts -->",
  end: "<!-- end of saga diagram -->",
};

/** A Mermaid node id for an event: its type with dots as underscores. */
const eventNode = (event: EventDefinition) => event.type.replaceAll(".", "_");

/**
 * The saga as a Mermaid flowchart (left to right): events are rounded, reactions are boxes named
 * `service: what it does`; compensations and the facts of their failure are dashed, the deadline
 * is a box of its own, and the terminal states' events are bold.
 */
export function sagaDiagram(saga: Saga): string {
  const lines = ["flowchart LR"];
  const declared = new Set<string>();
  const event = (e: EventDefinition) => {
    const id = eventNode(e);
    if (declared.has(id)) return id;
    declared.add(id);
    return `${id}(["${e.type}"])`;
  };
  const reaction = (id: string, r: SagaReaction, dashed = false) => {
    const arrow = dashed ? "-.->" : "-->";
    const then = r.states.length ? ` ${arrow} ${r.states.map(event).join(" & ")}` : "";
    lines.push(`  ${r.on.map(event).join(" & ")} ${arrow} ${id}["${r.service}: ${r.does}"]${then}`);
  };
  lines.push(
    `  start["${saga.starts.service}: ${saga.starts.by}"] --> ${event(saga.starts.states)}`,
  );
  for (const [name, step] of Object.entries<SagaReaction>(saga.steps)) reaction(name, step);
  for (const [name, compensation] of Object.entries(saga.compensations)) {
    reaction(name, compensation, true);
    lines.push(`  ${name} -. fails .-> ${event(compensation.fails)}`);
  }
  const { deadline } = saga;
  lines.push(
    `  deadline{{"${deadline.service}: past ${deadline.setting}"}} -- ${deadline.reason} --> ` +
      event(deadline.states),
  );
  const terminal = Object.values(saga.states).filter((state) => state.terminal)
    .flatMap((state) => state.enteredOn.map(eventNode));
  lines.push(`  classDef terminal stroke-width:3px`, `  class ${terminal.join(",")} terminal`);
  return lines.join("\n");
}

/**
 * `readme` with the text between the markers replaced by the saga's diagram in a mermaid block
 * (without its observers, which state nothing: their arrows would hide the flow).
 */
export function withDiagram(readme: string, saga: Saga): string {
  const begin = readme.indexOf(markers.begin), end = readme.indexOf(markers.end);
  if (begin < 0 || end < begin) {
    throw new Error(`README.md has no saga diagram markers: ${markers.begin} ... ${markers.end}`);
  }
  const diagram = `\`\`\`mermaid\n${sagaDiagram(saga)}\n\`\`\``;
  const section = `${markers.begin}\n\n${diagram}\n\n`;
  return readme.slice(0, begin) + section + readme.slice(end);
}

/** Where the README is. */
export const readmePath = fileURLToPath(new URL("../README.md", import.meta.url));

if (import.meta.main) {
  const readme = await Deno.readTextFile(readmePath);
  await Deno.writeTextFile(readmePath, withDiagram(readme, orderSaga));
  console.log(`saga diagram: wrote ${readmePath} (from the ${orderSaga.name} saga's declaration)`);
}
