// What `scripts/preview.ts up|down` does, as data first (so a dry run prints exactly what a real run
// would do, and teardown is provably the reverse of setup), then executed one resource at a time.
import type { NeonClient } from "./neon-api";
import type { PreviewResource } from "./preview-config";
import type { SmokeResult } from "./smoke";

export interface PreviewStep {
  verb: "create" | "delete";
  resource: PreviewResource;
  /** Who makes or removes it: the preview workflow's terraform apply owns the Access destination. */
  by: string;
}

const OWNER: Record<PreviewResource["kind"], { create: string; delete: string }> = {
  "access-destination": { create: "terraform apply terraform/envs/preview", delete: "terraform apply terraform/envs/preview" },
  "neon-branch": { create: "Neon API (from the staging branch), then migrations", delete: "Neon API" },
  queue: { create: "wrangler queues create", delete: "wrangler queues delete" },
  worker: { create: "wrangler deploy --config <preview config>", delete: "wrangler delete" },
  "custom-domain": { create: "wrangler deploy (custom_domain route)", delete: "wrangler delete (goes with the Worker)" },
};

export function setupPlan(resources: PreviewResource[]): PreviewStep[] {
  return resources.map((resource) => ({ verb: "create", resource, by: OWNER[resource.kind].create }));
}

export function teardownPlan(resources: PreviewResource[]): PreviewStep[] {
  return [...resources].reverse().map((resource) => ({ verb: "delete", resource, by: OWNER[resource.kind].delete }));
}

export const describeStep = (step: PreviewStep) => `${step.verb} ${step.resource.kind} ${step.resource.name}  (${step.by})`;

export interface NeonTarget {
  client: NeonClient;
  projectId: string;
  parentBranchId: string;
  database: string;
  role: string;
}

export interface PreviewTools {
  /** Runs wrangler; resolves with its exit status and combined output. */
  wrangler(args: string[]): Promise<{ ok: boolean; output: string }>;
  migrate(directUrl: string): Promise<void>;
  /** Deploys with these Worker secrets (written to a private temporary file for --secrets-file). */
  deploy(secrets: Record<string, string>): Promise<void>;
  smoke(url: string): Promise<SmokeResult>;
  neon: NeonTarget;
  /** Further Worker secrets for previews (CI secret store), merged with DATABASE_URL. */
  workerSecrets: Record<string, string>;
  log(line: string): void;
}

async function wranglerOrThrow(tools: PreviewTools, args: string[], tolerate?: RegExp): Promise<void> {
  const { ok, output } = await tools.wrangler(args);
  if (!ok && !(tolerate && tolerate.test(output))) throw new Error(`wrangler ${args[0]} ${args[1] ?? ""} failed`);
}

/** Creates the preview's resources in order; safe to rerun on every push (each step is idempotent). */
export async function runSetup(steps: PreviewStep[], tools: PreviewTools): Promise<void> {
  let pooledUrl: string | undefined;
  for (const step of steps) {
    tools.log(describeStep(step));
    const { kind, name } = step.resource;
    if (kind === "neon-branch") {
      const { client, projectId, parentBranchId, database, role } = tools.neon;
      const { branch } = await client.ensureBranch(projectId, name, parentBranchId);
      await tools.migrate(await client.connectionUri(projectId, branch.id, database, role, false));
      pooledUrl = await client.connectionUri(projectId, branch.id, database, role, true);
    } else if (kind === "queue") {
      await wranglerOrThrow(tools, ["queues", "create", name], /already (exists|taken)/i);
    } else if (kind === "worker") {
      if (!pooledUrl) throw new Error("the Neon branch step must run before the Worker is deployed");
      await tools.deploy({ ...tools.workerSecrets, DATABASE_URL: pooledUrl });
    }
  }
}

/** Removes the preview's resources, newest first; anything already gone counts as removed. */
export async function runTeardown(steps: PreviewStep[], tools: PreviewTools): Promise<void> {
  for (const step of steps) {
    tools.log(describeStep(step));
    const { kind, name } = step.resource;
    if (kind === "worker") {
      await wranglerOrThrow(tools, ["delete", name, "--force"], /not found|does not exist|10007/i);
    } else if (kind === "queue") {
      await wranglerOrThrow(tools, ["queues", "delete", name], /not found|does not exist|11000/i);
    } else if (kind === "neon-branch") {
      const { client, projectId } = tools.neon;
      const branch = await client.findBranch(projectId, name);
      if (branch) await client.deleteBranch(projectId, branch.id);
    }
  }
}
