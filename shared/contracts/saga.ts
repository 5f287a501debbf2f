/**
 * A choreographed saga, declared once: which service reacts to which event and which events it may
 * state in answer, the compensation of each step and the fact that says it failed for good, the
 * deadline, and the states the saga passes through. No coordinator runs this: the services'
 * handlers do the work, and tests hold them to the declaration (its edges against the causation
 * ids of a real run, its reactions against the handlers), so docs drawn from it cannot drift.
 */
import type { EventDefinition } from "./envelope.ts";

/** A service's reaction to some of the saga's events. */
export interface SagaReaction {
  /** The service that reacts (its name in the registry, its durable consumers' name). */
  service: string;
  /** The events it reacts to, each with a handler of its own. */
  on: readonly EventDefinition[];
  /** The events it may state in answer, caused by the event it handled; empty: it only records. */
  states: readonly EventDefinition[];
  /** What it does, in a few words (drawn on the diagram). */
  does: string;
}

/**
 * The compensation of a step: a reaction that undoes what step `undoes` did, and `fails`, the
 * event the service states when the compensation is given up on (its handler failed on every
 * delivery); that event is caused by the one the compensation reacted to.
 */
export interface SagaCompensation<Step extends string = string> extends SagaReaction {
  // Not a place to infer step names from: they come from `steps`, and are checked here.
  undoes: NoInfer<Step>;
  fails: EventDefinition;
}

/**
 * The saga's deadline: past it, `service` ends a saga still open by stating `states` (with
 * `reason`), and the compensations that react to that event undo what was done. `setting` names
 * the configuration that holds it.
 */
export interface SagaDeadline {
  service: string;
  states: EventDefinition;
  reason: string;
  setting: string;
}

/**
 * A state of the saga: entered when one of `enteredOn` happens, left (when not terminal) when one
 * of `leftOn` does. `terminal`: nothing moves the saga on from it.
 */
export interface SagaState {
  enteredOn: readonly EventDefinition[];
  leftOn?: readonly EventDefinition[];
  terminal: boolean;
  /** What it means, in a few words. */
  means: string;
}

/**
 * A saga as `defineSaga` takes it. `starts`: the service and request that state its first event.
 * `steps`: the reactions that move it forward; `compensations`: one per step that has one, keyed
 * by name; `observers`: reactions that follow the saga without moving it (they state nothing).
 * `paths`: for the outcomes reached by a chain of events, each caused by the one before, the
 * chain from the first event (tests compare real runs with them).
 */
export interface Saga<Step extends string = string> {
  name: string;
  starts: { service: string; by: string; states: EventDefinition };
  steps: Record<Step, SagaReaction>;
  compensations: Record<string, SagaCompensation<Step>>;
  observers: readonly SagaReaction[];
  deadline: SagaDeadline;
  states: Record<string, SagaState>;
  paths: Record<string, readonly EventDefinition[]>;
}

/** Declares a saga; step names in `undoes` are checked against `steps`. Returns it unchanged. */
export function defineSaga<const Step extends string>(saga: Saga<Step>): Saga<Step> {
  return saga;
}

/** `<type>@<version>`: how a handler, a reaction and an edge name an event. */
export const eventKey = (event: { type: string; version: number }): string =>
  `${event.type}@${event.version}`;

/** What kind of reaction: a step forward, a compensation, or an observer. */
export type ReactionKind = "step" | "compensation" | "observer";

/** One handler the saga expects: `service` reacts to `event` and may state `states`. */
export interface DeclaredReaction {
  service: string;
  event: EventDefinition;
  states: EventDefinition[];
  kinds: ReactionKind[];
}

/**
 * The saga's reactions, one per (service, event): a service that reacts to one event in two roles
 * (a step and a compensation) has one handler for both, so their `states` are merged. A
 * compensation's `fails` counts among what it may state.
 */
export function sagaReactions(saga: Saga): DeclaredReaction[] {
  const byKey = new Map<string, DeclaredReaction>();
  const add = (reaction: SagaReaction, kind: ReactionKind, extra: EventDefinition[] = []) => {
    for (const event of reaction.on) {
      const key = `${reaction.service} ${eventKey(event)}`;
      const found = byKey.get(key) ??
        { service: reaction.service, event, states: [], kinds: [] };
      byKey.set(key, found);
      for (const stated of [...reaction.states, ...extra]) {
        if (!found.states.includes(stated)) found.states.push(stated);
      }
      if (!found.kinds.includes(kind)) found.kinds.push(kind);
    }
  };
  for (const step of Object.values<SagaReaction>(saga.steps)) add(step, "step");
  for (const compensation of Object.values(saga.compensations)) {
    add(compensation, "compensation", [compensation.fails]);
  }
  for (const observer of saga.observers) add(observer, "observer");
  return [...byKey.values()];
}

/** An edge of the saga: `service`, reacting to an event of type `cause`, states one of `effect`. */
export interface SagaEdge {
  cause: string;
  effect: string;
  service: string;
}

/** `cause -> effect (service)`: an edge as tests and messages print it. */
export const edgeName = ({ cause, effect, service }: SagaEdge): string =>
  `${cause} -> ${effect} (${service})`;

/** Every edge the saga allows, from its reactions: what a real run's causation ids may show. */
export function sagaEdges(saga: Saga): SagaEdge[] {
  return sagaReactions(saga).flatMap(({ service, event, states }) =>
    states.map((stated) => ({ cause: eventKey(event), effect: eventKey(stated), service }))
  );
}

/** The events the saga names anywhere: those it reacts to, states, or ends on. */
export function sagaEvents(saga: Saga): EventDefinition[] {
  const all = new Set<EventDefinition>([saga.starts.states, saga.deadline.states]);
  for (const reaction of sagaReactions(saga)) {
    all.add(reaction.event);
    reaction.states.forEach((event) => all.add(event));
  }
  return [...all];
}
