/** Every service of the stack, with the port its HTTP face (health, readiness, metrics) listens on. */
export const services = [
  { name: "users", port: 8081 },
  { name: "catalog", port: 8082 },
  { name: "orders", port: 8083 },
  { name: "payments", port: 8084 },
  { name: "notifications", port: 8085 },
  { name: "history", port: 8086 },
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
