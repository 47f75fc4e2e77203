// The Neon API client that previews use, against the local stand-in of Neon's API.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NeonApiError, NeonClient } from "../../scripts/lib/neon-api";
import { startNeonSim, type NeonSim } from "../../scripts/sim/neon";

const PROJECT = "restless-sky-123456";
const STAGING = { id: "br-staging-000001", name: "staging" };
const API_KEY = "neon-sim-key";

let sim: NeonSim;
let neon: NeonClient;
beforeEach(async () => {
  sim = await startNeonSim({ apiKey: API_KEY, projectId: PROJECT, branches: [STAGING] });
  neon = new NeonClient({ apiKey: API_KEY, baseUrl: sim.url, retryBaseMs: 5 });
});
afterEach(() => sim.stop());

describe("Neon API client", () => {
  it("creates a branch from staging, finds it by exact name, and deletes it", async () => {
    const { branch, created } = await neon.ensureBranch(PROJECT, "preview/pr-123", STAGING.id);
    expect(created).toBe(true);
    expect(branch.parent_id).toBe(STAGING.id);
    // "preview/pr-12" is a prefix of another branch's name: the search must not return pr-123 for it.
    expect(await neon.findBranch(PROJECT, "preview/pr-12")).toBeUndefined();
    expect((await neon.findBranch(PROJECT, "preview/pr-123"))?.id).toBe(branch.id);
    expect(sim.requests.some((r) => r.path.includes("/operations/"))).toBe(true);
    expect(await neon.deleteBranch(PROJECT, branch.id)).toBe(true);
    expect(sim.branchNames()).toEqual(["staging"]);
  });

  it("reuses the branch on a second run instead of creating another", async () => {
    const first = await neon.ensureBranch(PROJECT, "preview/pr-7", STAGING.id);
    const second = await neon.ensureBranch(PROJECT, "preview/pr-7", STAGING.id);
    expect(second).toEqual({ branch: first.branch, created: false });
    expect(sim.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("treats 409 on create (a concurrent run won the race) as the existing branch", async () => {
    // Both runs look the branch up before either creates it; the second create is refused with 409.
    const [a, b] = await Promise.all([
      neon.ensureBranch(PROJECT, "preview/pr-8", STAGING.id),
      new NeonClient({ apiKey: API_KEY, baseUrl: sim.url, retryBaseMs: 5 }).ensureBranch(PROJECT, "preview/pr-8", STAGING.id),
    ]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.branch.id).toBe(b.branch.id);
    expect(sim.requests.filter((r) => r.method === "POST").map((r) => r.status).sort()).toEqual([201, 409]);
    expect(sim.branchNames()).toEqual(["preview/pr-8", "staging"]);
  });

  it("answers false for a branch that is already gone (404), so teardown can run twice", async () => {
    expect(await neon.deleteBranch(PROJECT, "br-never-existed")).toBe(false);
  });

  it("waits out 429 and 423 answers, honouring Retry-After, then succeeds", async () => {
    sim.faults.failNext(1, 429, 0);
    sim.faults.failNext(1, 423);
    const { created } = await neon.ensureBranch(PROJECT, "preview/pr-9", STAGING.id);
    expect(created).toBe(true);
    expect(sim.requests.slice(0, 3).map((r) => r.status)).toEqual([429, 423, 200]);
  });

  it("gives up after its attempts with Neon's message, and never puts the key in the error", async () => {
    sim.faults.failNext(5, 429, 0);
    const error = await neon.findBranch(PROJECT, "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonApiError);
    expect((error as NeonApiError).status).toBe(429);
    expect((error as Error).message).toContain("rate limit exceeded");
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it("refuses a wrong key with 401 and does not retry it", async () => {
    const stranger = new NeonClient({ apiKey: "wrong", baseUrl: sim.url, retryBaseMs: 5 });
    await expect(stranger.findBranch(PROJECT, "staging")).rejects.toMatchObject({ status: 401 });
    expect(sim.requests).toHaveLength(1);
  });

  it("returns a direct URI for migrations and a pooled one for the Worker", async () => {
    const { branch } = await neon.ensureBranch(PROJECT, "preview/pr-10", STAGING.id);
    const direct = await neon.connectionUri(PROJECT, branch.id, "hub", "hub_owner", false);
    const pooled = await neon.connectionUri(PROJECT, branch.id, "hub", "hub_owner", true);
    expect(new URL(direct).hostname).not.toContain("-pooler");
    expect(new URL(pooled).hostname).toContain("-pooler");
    expect(new URL(direct).pathname).toBe("/hub");
  });
});
