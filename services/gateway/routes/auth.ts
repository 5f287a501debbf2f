/** POST /auth/register, POST /auth/login, GET /auth/me. */
import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { RpcClient } from "../../../shared/bus/mod.ts";
import { usersApi } from "../../../shared/contracts/mod.ts";
import { callOptions, type GatewayEnv } from "../context.ts";
import { jsonRoute, operation, routeGroup } from "../openapi.ts";

type Users = RpcClient<typeof usersApi.endpoints>;

const register = jsonRoute({
  method: "post",
  path: "/register",
  body: usersApi.endpoints.register.request,
  summary: "Register a user",
  ok: { status: 201, schema: usersApi.endpoints.register.reply },
  errors: [400, 409],
});

const login = jsonRoute({
  method: "post",
  path: "/login",
  body: usersApi.endpoints.login.request,
  summary: "Log in: an access token (EdDSA JWT) and its expiry",
  ok: { status: 200, schema: usersApi.endpoints.login.reply },
  errors: [400, 401],
});

const me = createRoute({
  method: "get",
  path: "/me",
  ...operation({
    summary: "The logged-in user's profile",
    auth: true,
    ok: { status: 200, schema: usersApi.endpoints.getProfile.reply },
  }),
});

export function authRoutes(users: Users, authenticated: MiddlewareHandler<GatewayEnv>) {
  const routes = routeGroup();
  routes.openapi(register, async (c) => {
    const { userId } = await users.register(c.req.valid("json"), callOptions(c));
    return c.json({ userId }, 201);
  });
  routes.openapi(login, async (c) => {
    return c.json(await users.login(c.req.valid("json"), callOptions(c)), 200);
  });
  // Authenticated here, not with use("/me"): another method on /me stays a 405, not a 401.
  routes.openapi({ ...me, middleware: authenticated }, async (c) => {
    const userId = c.var.jwtPayload.sub;
    return c.json(await users.getProfile({ userId }, callOptions(c)), 200);
  });
  return routes;
}
