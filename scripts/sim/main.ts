// CLI: starts the three simulators and prints one JSON line with their URLs and the matching hub
// configuration, then runs until SIGINT/SIGTERM.
//   tsx scripts/sim/main.ts [--oura-port N] [--whoop-port N] [--idp-port N] [--days 30] [--seed 1]
//                           [--end-date YYYY-MM-DD] [--verify-oura-callbacks]
import { parseArgs } from "node:util";
import { startSimulators } from "./index";

const { values } = parseArgs({
  options: {
    "oura-port": { type: "string", default: "0" },
    "whoop-port": { type: "string", default: "0" },
    "idp-port": { type: "string", default: "0" },
    days: { type: "string", default: "30" },
    seed: { type: "string", default: "1" },
    "end-date": { type: "string" },
    "verify-oura-callbacks": { type: "boolean", default: false },
  },
});

function port(name: "oura-port" | "whoop-port" | "idp-port"): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new Error(`--${name} must be a port number`);
  return value;
}

const days = Number(values.days);
if (!Number.isInteger(days) || days < 0) throw new Error("--days must be a non-negative integer");

const simulators = await startSimulators({
  ports: { oura: port("oura-port"), whoop: port("whoop-port"), idp: port("idp-port") },
  history: { days, endDate: values["end-date"], seed: values.seed },
  verifyOuraCallbacks: values["verify-oura-callbacks"],
});

process.stdout.write(
  `${JSON.stringify({
    oura: simulators.oura.url,
    whoop: simulators.whoop.url,
    idp: simulators.idp.url,
    env: simulators.env,
  })}\n`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void simulators.stop().then(() => process.exit(0));
  });
}
