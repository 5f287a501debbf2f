/** Every service of the stack, with the port its health, readiness and metrics listen on. */
export const services = [
  { name: "users", port: 8081 },
  { name: "catalog", port: 8082 },
  { name: "gateway", port: 8080 },
] as const;

export type ServiceName = (typeof services)[number]["name"];

/** Permissions a service needs locally; PGlite keeps its files under DATA_DIR. */
export const servicePermissions = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys",
];
