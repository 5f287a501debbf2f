/**
 * `deno task deploy <service> [deno deploy options]`: bundles the service and hands its folder
 * to `deno deploy` (Deno Deploy), as an app named after the service. The app needs the
 * environment of the README's "Deploy one service": a postgres URL, a wss:// NATS URL, and
 * the service's own variables, set on the app (`deno deploy env`), never in the bundle. With
 * `MIGRATE_ON_START=false` on the app, run `deno task migrate <service>` (infra/migrate.ts) first:
 * its instances then only check their migrations, and refuse a database that is behind.
 */
import { buildService } from "./build.ts";
import { serviceNames } from "../services/registry.ts";

const [name, ...rest] = Deno.args;
if (!serviceNames.includes(name)) {
  console.error(`usage: deno task deploy <${serviceNames.join("|")}> [options]`);
  Deno.exit(2);
}
const file = await buildService(name);
const folder = file.slice(0, -"/main.js".length);
console.log(`deploying ${folder} as app ${name}`);
const deploy = await new Deno.Command(Deno.execPath(), {
  args: ["deploy", "--app", name, ...rest, folder],
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(deploy.code);
