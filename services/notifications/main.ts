import { notifications } from "./service.ts";
import { bootService } from "../../shared/runtime/mod.ts";

export default await bootService(notifications);
