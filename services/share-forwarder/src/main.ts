import { runService } from "@gatehouse/service";
import { service } from "./service.js";

runService(service);
