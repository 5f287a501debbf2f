/**
 * compose.yaml is what infra/compose.ts makes from the registry (services/registry.ts), stays
 * valid and keeps one container per service, so a service added to the registry without
 * `deno run --allow-read --allow-write infra/compose.ts` fails here rather than on someone's
 * laptop.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { clusterNatsUrl, clusterNodes, composeFile } from "../infra/compose.ts";
import { seedVariable } from "../infra/nats/compose_credentials.ts";
import { registry as services } from "../services/registry.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

async function dockerCompose(...args: string[]) {
  return await dockerComposeWith({}, ...args);
}

async function dockerComposeWith(extraEnv: Record<string, string>, ...args: string[]) {
  const output = await new Deno.Command("docker-compose", {
    args: ["-f", "compose.yaml", ...args],
    cwd: root,
    // compose.yaml requires them (no default private key, no default NATS identity); any
    // value resolves the file.
    env: {
      TOKEN_SIGNING_KEY: "{}",
      ...Object.fromEntries(
        [...services.map((s) => s.name), "operator"].map((name) => [seedVariable(name), "SU"]),
      ),
      ...extraEnv,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("compose.yaml is made from the registry by infra/compose.ts", async () => {
  const written = await Deno.readTextFile(`${root}/compose.yaml`);
  assert.equal(
    written,
    composeFile(services),
    "compose.yaml differs: run deno task generate",
  );
});

const hasDockerCompose = await installed("docker-compose");

if (!hasDockerCompose) {
  console.log(
    "compose: skipped, docker-compose is not installed " +
      "(apt-get install docker-compose; it validates compose.yaml without a Docker engine)",
  );
}

Deno.test({
  name: "compose.yaml is valid and has a container for every service",
  ignore: !hasDockerCompose,
  fn: async (t) => {
    await t.step("docker-compose config -q accepts it", async () => {
      const { code, stderr } = await dockerCompose("config", "-q");
      assert.equal(code, 0, stderr);
    });

    await t.step("every service of the registry has a container built for it", async () => {
      const listed = await dockerCompose("config", "--services");
      assert.equal(listed.code, 0, listed.stderr);
      const containers = new Set(listed.stdout.split("\n").filter(Boolean));
      for (const { name } of services) {
        assert.ok(containers.has(name), `compose.yaml has no container for ${name}`);
      }

      const resolved = await dockerCompose("config");
      assert.equal(resolved.code, 0, resolved.stderr);
      for (const { name } of services) {
        assert.match(
          serviceBlock(resolved.stdout, name),
          new RegExp(`^ +SERVICE: ${name}$`, "m"),
          `the ${name} container is not built with SERVICE=${name}`,
        );
      }
    });

    await t.step("the bridge has a container, started only with the edge profile", async () => {
      const all = await dockerCompose("--profile", "edge", "config", "--services");
      assert.equal(all.code, 0, all.stderr);
      assert.ok(all.stdout.split("\n").includes("bridge"), "no bridge container");
      const resolved = await dockerCompose("--profile", "edge", "config");
      assert.match(serviceBlock(resolved.stdout, "bridge"), /bridge\/main\.ts/);
      // `config --services` lists every service; `up` starts this one only with the profile.
      assert.match(serviceBlock(resolved.stdout, "bridge"), /profiles:\n\s+- edge\n/);
    });
  },
});

Deno.test({
  name: "compose.yaml: the cluster profile runs three NATS nodes the services can be pointed at",
  ignore: !hasDockerCompose,
  fn: async (t) => {
    await t.step("docker-compose config -q accepts it with the profile and NATS_URL", async () => {
      const { code, stderr } = await dockerComposeWith(
        { NATS_URL: clusterNatsUrl },
        "--profile",
        "cluster",
        "config",
        "-q",
      );
      assert.equal(code, 0, stderr);
    });

    await t.step(
      "each node: the profile, its own volume and its name; every service: the cluster",
      async () => {
        const resolved = await dockerComposeWith(
          { NATS_URL: clusterNatsUrl },
          "--profile",
          "cluster",
          "config",
        );
        assert.equal(resolved.code, 0, resolved.stderr);
        for (const node of clusterNodes) {
          const block = serviceBlock(resolved.stdout, node);
          assert.match(block, /profiles:\n\s+- cluster\n/, `${node} is not in the cluster profile`);
          assert.match(
            block,
            new RegExp(`- ${node}-data:/data`),
            `${node} has no volume of its own`,
          );
          assert.match(block, new RegExp(`SERVER_NAME: ${node}`), node);
        }
        for (const { name } of services) {
          assert.ok(
            serviceBlock(resolved.stdout, name).includes(`NATS_URL: ${clusterNatsUrl}`),
            `${name} does not use the cluster`,
          );
        }
      },
    );

    await t.step("without NATS_URL the services use the single server", async () => {
      const resolved = await dockerCompose("config");
      assert.equal(resolved.code, 0, resolved.stderr);
      assert.match(serviceBlock(resolved.stdout, "orders"), /NATS_URL: nats:\/\/nats:4222\n/);
    });
  },
});

Deno.test("compose: nats-server accepts the cluster profile's node configuration", async () => {
  const dir = await Deno.makeTempDir({ prefix: "compose-cluster-" });
  try {
    await Deno.copyFile(`${root}/infra/nats/compose_cluster.conf`, `${dir}/nats.conf`);
    await Deno.writeTextFile(`${dir}/authorization.conf`, "authorization { users: [] }\n");
    const output = await new Deno.Command("nats-server", {
      args: ["-c", `${dir}/nats.conf`, "-t"],
      env: { SERVER_NAME: "nats-1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The lines of one service in `docker-compose config` output, up to the next service. */
function serviceBlock(config: string, name: string): string {
  const start = config.indexOf(`\n  ${name}:\n`);
  if (start < 0) return "";
  const next = config.slice(start + 1).search(/\n {0,2}\S/);
  return next < 0 ? config.slice(start) : config.slice(start, start + 1 + next);
}

/**
 * True when `program version` runs and succeeds. `new Deno.Command(...).output()` throws
 * NotFound synchronously when the program is missing, before any `.then(ok, fail)` could catch it.
 */
async function installed(program: string): Promise<boolean> {
  try {
    const output = await new Deno.Command(program, {
      args: ["version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return output.success;
  } catch {
    return false;
  }
}
