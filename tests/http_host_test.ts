/**
 * A service's HTTP face (health, readiness, metrics; the gateway's API) listens on 127.0.0.1
 * unless HTTP_HOST says otherwise, so a developer's machine does not serve it to its network.
 * Proved on the gateway, which needs no database: its log names the address, and the machine's
 * own non-loopback address, where it has one, is refused until HTTP_HOST=0.0.0.0.
 */
import assert from "node:assert/strict";
import { freePort, startNatsServer } from "./harness/nats_server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An IPv4 address of this machine that is not loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Deno.networkInterfaces().find((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    ?.address;
}

const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    async (r) => (await r.body?.cancel(), r.ok),
    () => false,
  );

/** Runs the gateway with `env` while `use` runs, given its port and its "serving HTTP" line. */
async function withGateway(
  natsUrl: string,
  env: Record<string, string>,
  use: (port: number, listening: Record<string, unknown>) => Promise<void>,
) {
  const port = freePort();
  const gateway = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "services/gateway/main.ts"],
    env: { NATS_URL: natsUrl, HTTP_PORT: String(port), LOG_LEVEL: "info", ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const output = gateway.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let listening: Record<string, unknown> | undefined;
    let text = "";
    while (!listening) {
      const { value, done } = await output.read();
      if (done) break;
      text += value;
      listening = text.split("\n").slice(0, -1).filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line)).find((entry) => entry.msg === "serving HTTP");
    }
    assert.ok(listening, "the gateway exited before it served HTTP");
    for (let i = 0; i < 100 && !await answers(`http://127.0.0.1:${port}/health`); i++) {
      await sleep(100);
    }
    assert.ok(await answers(`http://127.0.0.1:${port}/health`), "no answer on 127.0.0.1");
    await use(port, listening);
  } finally {
    gateway.kill("SIGTERM");
    await gateway.status;
    await output.cancel().catch(() => {});
  }
}

Deno.test({
  name: "HTTP faces listen on loopback by default, elsewhere only when HTTP_HOST says",
  sanitizeResources: false,
  fn: async (t) => {
    const nats = await startNatsServer({ authorization: false });
    const outside = outsideAddress();
    if (!outside) console.log("http host: this machine has no non-loopback IPv4 address");
    try {
      await t.step(
        "by default: 127.0.0.1, and the machine's other address is refused",
        async () => {
          await withGateway(nats.url, {}, async (port, listening) => {
            assert.equal(listening.hostname, "127.0.0.1");
            if (outside) assert.equal(await answers(`http://${outside}:${port}/health`), false);
          });
        },
      );

      await t.step("HTTP_HOST=0.0.0.0: the machine's other address answers", async () => {
        await withGateway(nats.url, { HTTP_HOST: "0.0.0.0" }, async (port, listening) => {
          assert.equal(listening.hostname, "0.0.0.0");
          if (outside) assert.equal(await answers(`http://${outside}:${port}/health`), true);
        });
      });
    } finally {
      await nats.dispose();
    }
  },
});
