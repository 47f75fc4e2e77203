// Neon API stand-in (https://console.neon.tech/api/v2 shapes): projects' branches with a read-write
// compute, asynchronous operations that finish on the next poll, connection URIs, Neon's error body
// `{code, message}`, and planned failures (429 with Retry-After, 423 while busy, 5xx).
import { randomBytes } from "node:crypto";
import { bearerToken, FaultPlan, listen, logRequests, readJson, Router, sendJson, type LoggedRequest, type RequestContext } from "./http";

export interface NeonSimOptions {
  apiKey: string;
  projectId: string;
  /** Branches that exist from the start, e.g. staging. */
  branches?: { id: string; name: string }[];
  port?: number;
}

interface SimBranch {
  id: string;
  name: string;
  parent_id?: string;
  project_id: string;
  created_at: string;
  endpointId: string;
}

interface SimOperation {
  id: string;
  project_id: string;
  branch_id: string;
  action: string;
  status: string;
}

export interface NeonSim {
  url: string;
  faults: FaultPlan;
  requests: LoggedRequest[];
  branchNames(): string[];
  stop(): Promise<void>;
}

const id = (prefix: string) => `${prefix}-${randomBytes(6).toString("hex")}`;
const error = (message: string) => ({ code: "", message });

export async function startNeonSim(options: NeonSimOptions): Promise<NeonSim> {
  const branches = new Map<string, SimBranch>();
  const operations = new Map<string, SimOperation>();
  const faults = new FaultPlan();
  const requests: LoggedRequest[] = [];
  for (const seed of options.branches ?? []) {
    branches.set(seed.id, { ...seed, project_id: options.projectId, created_at: new Date().toISOString(), endpointId: id("ep") });
  }

  const view = ({ endpointId: _endpoint, ...branch }: SimBranch) => branch;
  const startOperation = (branch: SimBranch, action: string): SimOperation => {
    const operation = { id: crypto.randomUUID(), project_id: options.projectId, branch_id: branch.id, action, status: "running" };
    operations.set(operation.id, operation);
    return operation;
  };
  /** Checks key, project and planned faults; true when the request may proceed. */
  const admit = (ctx: RequestContext): boolean => {
    if (bearerToken(ctx.req) !== options.apiKey) {
      sendJson(ctx.res, 401, error("authorization failed"));
      return false;
    }
    if (ctx.params.project !== options.projectId) {
      sendJson(ctx.res, 404, error("project not found"));
      return false;
    }
    return !faults.answer(ctx.res, (status) => error(status === 429 ? "rate limit exceeded" : "project already has running operations"));
  };

  const router = new Router()
    .onRequest((ctx) => logRequests(requests, ctx))
    .on("GET", "/projects/:project/branches", (ctx) => {
      if (!admit(ctx)) return;
      const search = ctx.url.searchParams.get("search") ?? "";
      const found = [...branches.values()].filter((b) => b.name.includes(search) || b.id.includes(search));
      sendJson(ctx.res, 200, { branches: found.map(view) });
    })
    .on("POST", "/projects/:project/branches", async (ctx) => {
      if (!admit(ctx)) return;
      const body = (await readJson(ctx.req)) as { branch?: { name?: string; parent_id?: string }; endpoints?: { type: string }[] };
      const name = body.branch?.name ?? id("br");
      if ([...branches.values()].some((b) => b.name === name)) return sendJson(ctx.res, 409, error("branch with that name already exists"));
      const parentId = body.branch?.parent_id;
      if (parentId && !branches.has(parentId)) return sendJson(ctx.res, 404, error("parent branch not found"));
      const branch: SimBranch = { id: id("br"), name, parent_id: parentId, project_id: options.projectId, created_at: new Date().toISOString(), endpointId: id("ep") };
      branches.set(branch.id, branch);
      const endpoints = (body.endpoints ?? []).map((e) => ({ id: branch.endpointId, branch_id: branch.id, type: e.type, current_state: "init" }));
      sendJson(ctx.res, 201, { branch: view(branch), endpoints, operations: [startOperation(branch, "create_branch")], roles: [], databases: [] });
    })
    .on("DELETE", "/projects/:project/branches/:branch", (ctx) => {
      if (!admit(ctx)) return;
      const branch = branches.get(ctx.params.branch!);
      if (!branch) return sendJson(ctx.res, 404, error("branch not found"));
      branches.delete(branch.id);
      sendJson(ctx.res, 200, { branch: view(branch), operations: [startOperation(branch, "delete_timeline")] });
    })
    .on("GET", "/projects/:project/operations/:operation", (ctx) => {
      if (!admit(ctx)) return;
      const operation = operations.get(ctx.params.operation!);
      if (!operation) return sendJson(ctx.res, 404, error("operation not found"));
      const answer = { ...operation };
      operation.status = "finished"; // done by the next poll
      sendJson(ctx.res, 200, { operation: answer });
    })
    .on("GET", "/projects/:project/connection_uri", (ctx) => {
      if (!admit(ctx)) return;
      const query = ctx.url.searchParams;
      const branch = branches.get(query.get("branch_id") ?? "");
      if (!branch) return sendJson(ctx.res, 404, error("branch not found"));
      const host = `${branch.endpointId}${query.get("pooled") === "true" ? "-pooler" : ""}.neon-sim.invalid`;
      const uri = `postgresql://${query.get("role_name")}:sim-password@${host}/${query.get("database_name")}?sslmode=require`;
      sendJson(ctx.res, 200, { uri });
    });

  const server = await listen(router, options.port);
  return { url: server.url, faults, requests, branchNames: () => [...branches.values()].map((b) => b.name).sort(), stop: server.stop };
}
