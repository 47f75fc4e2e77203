// Runs a load job on its own thread and hands back the outcome.
import { Worker } from "node:worker_threads";
import type { ClosedJob, ClosedOutcome, LoadJob, LoadOutcome, PacedJob, PacedOutcome } from "./load-types";

export type { ClosedJob, ClosedOutcome, PacedJob, PacedOutcome, RequestTemplate, FailedRequest } from "./load-types";

function runOnThread(job: LoadJob): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./load-thread.mjs", import.meta.url), { workerData: job });
    worker.once("message", (outcome: LoadOutcome) => {
      resolve(outcome);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => code !== 0 && reject(new Error(`load thread exited with ${code}`)));
  });
}

export async function runPaced(job: Omit<PacedJob, "kind">): Promise<PacedOutcome> {
  return (await runOnThread({ kind: "paced", ...job })) as PacedOutcome;
}

export async function runClosed(job: Omit<ClosedJob, "kind">): Promise<ClosedOutcome> {
  return (await runOnThread({ kind: "closed", ...job })) as ClosedOutcome;
}
