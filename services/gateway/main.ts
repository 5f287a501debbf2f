import { bootService } from "../../shared/runtime/mod.ts";
import { gatewayConfig } from "./config.ts";
import { startGateway } from "./service.ts";

export default await bootService("gateway", gatewayConfig, startGateway);
