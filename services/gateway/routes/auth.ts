/** POST /auth/register, POST /auth/login, GET /auth/me. */
import { Hono, type MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { usersApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { validated } from "../validation.ts";

type Users = RpcClient<typeof usersApi.endpoints>;

export function authRoutes(users: Users, authenticated: MiddlewareHandler<GatewayEnv>) {
  return new Hono<GatewayEnv>()
    .post("/register", validated("json", usersApi.endpoints.register.request), async (c) => {
      const { userId } = await users.register(c.req.valid("json"), callOptions(c));
      return c.json({ userId }, 201);
    })
    .post("/login", validated("json", usersApi.endpoints.login.request), async (c) => {
      return c.json(await users.login(c.req.valid("json"), callOptions(c)));
    })
    .get("/me", authenticated, async (c) => {
      const userId = c.var.jwtPayload.sub;
      return c.json(await users.getProfile({ userId }, callOptions(c)));
    });
}
