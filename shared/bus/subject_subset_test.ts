import assert from "node:assert/strict";
import { subjectWithin } from "./subject_subset.ts";

Deno.test("a filter within a stream's subjects, by NATS's wildcard rules", () => {
  const within: [string, string][] = [
    ["orders.order.placed", "orders.>"],
    ["orders.>", "orders.>"],
    ["orders.*.placed", "orders.>"],
    ["orders.order.placed", "orders.*.placed"],
    ["orders.*.placed", "orders.*.placed"],
    ["orders.order.placed", "orders.order.placed"],
  ];
  const outside: [string, string][] = [
    ["payments.>", "orders.>"],
    ["orders", "orders.>"],
    [">", "orders.>"],
    ["orders.>", "orders.*"],
    ["orders.*", "orders.order"],
    ["orders.order.placed", "orders.*"],
    ["orders.order", "orders.*.placed"],
    ["*.order.placed", "orders.*.placed"],
  ];
  for (const [filter, pattern] of within) assert.ok(subjectWithin(filter, pattern), filter);
  for (const [filter, pattern] of outside) assert.ok(!subjectWithin(filter, pattern), filter);
});
