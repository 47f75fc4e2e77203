// What every printed figure is measured on: the command that produced it and the machine it ran on.
import { cpus, totalmem } from "node:os";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface BenchEnvironment {
  command: string;
  node: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  wrangler: string;
  miniflare: string;
  workerd: string;
  /** The commit the hub was built from, "+changes" when its sources differ from it. */
  revision: string;
  startedAt: string;
}

const ROOT = new URL("../../", import.meta.url).pathname;

function revision(): string {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  try {
    const changed = git("status", "--porcelain", "--", "workers", "durable-objects", "db", "wrangler.toml") !== "";
    return `${git("rev-parse", "--short", "HEAD")}${changed ? "+changes" : ""}`;
  } catch {
    return "unknown";
  }
}

function packageVersion(name: string): string {
  const path = join(ROOT, "node_modules", name, "package.json");
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

export function describeEnvironment(command: string): BenchEnvironment {
  return {
    command,
    node: process.version,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    wrangler: packageVersion("wrangler"),
    miniflare: packageVersion("miniflare"),
    workerd: packageVersion("workerd"),
    revision: revision(),
    startedAt: new Date().toISOString(),
  };
}

export function formatEnvironment(env: BenchEnvironment): string {
  return [
    `command:  ${env.command}`,
    `machine:  ${env.cores} cores (${env.cpuModel}), ${env.memoryGiB} GiB, node ${env.node}`,
    `runtime:  wrangler ${env.wrangler}, miniflare ${env.miniflare}, workerd ${env.workerd}`,
    `hub:      ${env.revision}`,
    `started:  ${env.startedAt}`,
  ].join("\n");
}
