// `npm run dev`: installs what is missing, then runs scripts/dev.ts in this same process (through
// tsx's loader), so that a signal to this process reaches the code that stops everything it started.
import { ensureDeps } from "./ensure-deps.mjs";

ensureDeps();
const { register } = await import("tsx/esm/api");
register();
await import("./dev.ts");
