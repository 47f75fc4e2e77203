// Entry of the load-generator thread: worker threads do not inherit tsx's loader, so register it
// here before loading the TypeScript module.
import { register } from "tsx/esm/api";

register();
await import("./load-thread.ts");
