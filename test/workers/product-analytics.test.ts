// Product events reach PostHog (the local capture stand-in) under a keyed hash of the user id, with
// nothing else about the user; erasure asks PostHog to delete the person; without POSTHOG_KEY nothing
// is sent at all.
import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import type { Env } from "../../workers/env";
import { distinctIdOf } from "../../workers/lib/product-analytics";
import { connectedUser, connectThroughHub } from "./connected-user";
import { testEnv, waitFor } from "./helpers";
import { bearer, sim } from "./sim";

const eventsOf = async (distinctId: string) => (await sim.posthog.events()).filter((e) => e.distinct_id === distinctId);

describe("product analytics", () => {
  it("records disconnect, export and erasure, then asks PostHog to delete the person", async () => {
    const user = await connectedUser("oura");
    const auth = await bearer(user.subject);
    const distinctId = await distinctIdOf(testEnv.POSTHOG_ID_KEY!, user.userId);
    expect((await SELF.fetch("http://hub.test/v1/connections/oura", { method: "DELETE", headers: auth })).status).toBe(204);
    const exported = await SELF.fetch("http://hub.test/v1/me/export", { headers: auth });
    expect(exported.status).toBe(200);
    await exported.arrayBuffer();
    const events = await waitFor(async () => {
      const mine = await eventsOf(distinctId);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(events.map((e) => [e.event, e.properties.vendor])).toEqual(expect.arrayContaining([["connection_removed", "oura"], ["export_requested", undefined]]));
    // Only labels: no user id, subject or vendor account id in any property.
    const text = JSON.stringify(events);
    for (const id of [user.userId, user.subject, user.vendorUserId]) expect(text).not.toContain(id);

    const erasuresBefore = (await sim.posthog.events()).filter((e) => e.event === "erasure_completed").length;
    expect((await SELF.fetch("http://hub.test/v1/me", { method: "DELETE", headers: auth })).status).toBe(202);
    const deletion = await waitFor(async () => (await sim.posthog.deletions()).find((d) => d.distinct_ids.includes(distinctId)));
    expect(deletion).toMatchObject({ project_id: testEnv.POSTHOG_PROJECT_ID, delete_events: true });
    // The erasure itself is counted under a fresh id that creates no person.
    const erasure = await waitFor(async () => {
      const all = (await sim.posthog.events()).filter((e) => e.event === "erasure_completed");
      return all.length > erasuresBefore ? all.at(-1) : undefined;
    });
    expect(erasure!.distinct_id).not.toBe(distinctId);
    expect(erasure!.properties.$process_person_profile).toBe(false);
  });

  it("records a connection created through the connect flow, under the keyed id and with the vendor only", async () => {
    const user = await connectThroughHub("whoop");
    const distinctId = await distinctIdOf(testEnv.POSTHOG_ID_KEY!, user.userId);
    const created = await waitFor(async () => (await eventsOf(distinctId)).find((e) => e.event === "connection_created"));
    expect(created!.properties.vendor).toBe("whoop");
    const text = JSON.stringify(created);
    for (const id of [user.userId, user.subject, user.vendorUserId]) expect(text).not.toContain(id);
  });

  it("sends nothing when POSTHOG_KEY is unset", async () => {
    const user = await connectedUser("oura");
    const { POSTHOG_KEY: _off, ...env } = testEnv;
    const ctx = createExecutionContext();
    const req = new Request("http://hub.test/v1/me/export", { headers: await bearer(user.subject) }) as Request<unknown, IncomingRequestCfProperties>;
    const res = await worker.fetch!(req, env as unknown as Env, ctx);
    await res.arrayBuffer();
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(await eventsOf(await distinctIdOf(testEnv.POSTHOG_ID_KEY!, user.userId))).toEqual([]);
  });
});
