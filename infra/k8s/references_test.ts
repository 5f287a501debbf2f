import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { manifestsDir } from "./manifests.ts";
import { referenceProblems } from "./references.ts";
import { yamlFiles } from "./validate.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

async function generatedObjects() {
  const objects = [];
  for (const file of await yamlFiles(join(root, manifestsDir))) {
    for (const document of parseAllDocuments(await Deno.readTextFile(file))) {
      objects.push(document.toJSON());
    }
  }
  return objects;
}

// deno-lint-ignore no-explicit-any
const find = (objects: any[], kind: string, name: string) =>
  objects.find((o) => o?.kind === kind && o.metadata?.name === name);

Deno.test("k8s manifests fit each other: selectors, target ports, probe ports", async (t) => {
  await t.step("the generated manifests have no broken reference", async () => {
    assert.deepEqual(referenceProblems(await generatedObjects()), []);
  });

  await t.step("a probe on a port the container does not name is found", async () => {
    const objects = await generatedObjects();
    const container = find(objects, "Deployment", "payments").spec.template.spec.containers[0];
    container.readinessProbe.httpGet.port = "metrics";
    assert.deepEqual(referenceProblems(objects), [
      'Deployment/payments: payments\'s readinessProbe names no port "metrics"',
    ]);
  });

  await t.step("a Service's target port its pods do not have is found", async () => {
    const objects = await generatedObjects();
    find(objects, "Service", "gateway").spec.ports[0].targetPort = 8080;
    assert.deepEqual(referenceProblems(objects), [
      "Service/gateway: targetPort 8080 is no port of its pods",
    ]);
  });

  await t.step("a selector that picks no pods is found, for a Service and a budget", async () => {
    const objects = await generatedObjects();
    const budget = objects.find((o) => o?.kind === "PodDisruptionBudget");
    for (const key of Object.keys(budget.spec.selector.matchLabels)) {
      budget.spec.selector.matchLabels[key] += "-x";
    }
    const service = find(objects, "Service", "gateway");
    for (const key of Object.keys(service.spec.selector)) service.spec.selector[key] += "-x";
    assert.deepEqual(referenceProblems(objects).sort(), [
      `PodDisruptionBudget/${budget.metadata.name}: its selector picks no workload's pods`,
      "Service/gateway: its selector picks no workload's pods",
    ]);
  });
});
