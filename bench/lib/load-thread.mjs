// Entry of the load-generator threads: worker threads do not inherit tsx's loader, so register it
// here before loading the TypeScript module (the thread's first argv entry, else load-thread.ts).
import { register } from "tsx/esm/api";

register();
await import(process.argv[2] ?? "./load-thread.ts");
