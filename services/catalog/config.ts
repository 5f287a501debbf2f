import { baseConfig } from "../../shared/config/mod.ts";

export const catalogConfig = baseConfig;
