// The audit trail: every read of biometric data (each such route in /openapi.json, so routes added later
// are covered), every export, connect, disconnect and erasure appends a row naming the user's pseudonym
// and never a value; the rows cannot be altered, and they outlive the erasure.
import { SELF } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSimulatedAccount, completeConnect, connectCodeOf, consentAt, followCallback, startConnect } from "./connected-user";
import { testDb } from "./helpers";
import { seedUser, type SeededUser } from "./privacy-helpers";
import { concretePath, openApiDocument, operations } from "./security-openapi";
import { bearer } from "./sim";

const handle = testDb();
let alice: SeededUser;

beforeAll(async () => {
  alice = await seedUser(handle, "audit-alice", 200);
});
afterAll(() => handle.close());

interface AuditRow {
  id: string;
  actor_ref: string;
  action: string;
  subject_ref: string | null;
  resource: string;
  request_id: string | null;
}

async function auditRows(auditRef: string, afterId = "0"): Promise<AuditRow[]> {
  const { rows } = await handle.pool.query<AuditRow>(
    "SELECT id::text, actor_ref, action, subject_ref::text, resource, request_id FROM audit_log WHERE subject_ref = $1 AND audit_log.id > $2::bigint ORDER BY audit_log.id",
    [auditRef, afterId],
  );
  return rows;
}

async function lastAuditId(): Promise<string> {
  const { rows } = await handle.pool.query("SELECT coalesce(max(id), 0)::text AS id FROM audit_log");
  return rows[0].id;
}

const QUERY: Record<string, string> = { from: "2026-11-01", to: "2026-11-03", date: "2026-11-02" };

describe("audit trail", () => {
  it("records every read of biometric data, on every such route", async () => {
    const doc = await openApiDocument();
    // Everything under /v1/me/ that answers with the user's measurements (the profile and the live
    // socket aside: the socket's snapshots are audited where they are read).
    const reads = (await operations()).filter((op) => op.method === "GET" && op.bearer && op.path.startsWith("/v1/me/") && !op.path.endsWith("/live"));
    expect(reads.map((op) => op.path)).toEqual(expect.arrayContaining(["/v1/me/sleep", "/v1/me/hrv", "/v1/me/readiness", "/v1/me/readiness/history", "/v1/me/export"]));
    for (const op of reads) {
      const since = await lastAuditId();
      const query = new URLSearchParams(op.parameters.filter((p) => p.in === "query" && QUERY[p.name]).map((p): [string, string] => [p.name, QUERY[p.name]!]));
      const res = await SELF.fetch(`http://hub.test${concretePath(op, doc)}${query.size ? `?${query}` : ""}`, { headers: await bearer(alice.sub) });
      expect(res.status, op.path).toBe(200);
      await res.arrayBuffer();
      const rows = await auditRows(alice.auditRef, since);
      expect(rows.length, `${op.path} left no audit row`).toBeGreaterThanOrEqual(1);
      expect(rows.every((r) => r.actor_ref === alice.auditRef && ["read", "export"].includes(r.action)), op.path).toBe(true);
      expect(rows.some((r) => r.request_id === res.headers.get("x-request-id")), op.path).toBe(true);
    }
  });

  it("records connect and disconnect", async () => {
    const sub = `audit-connect-${crypto.randomUUID()}`;
    const auth = await bearer(sub);
    const since = await lastAuditId();
    const back = await followCallback(await consentAt(await startConnect("oura", auth), await addSimulatedAccount("oura")));
    expect((await completeConnect("oura", auth, connectCodeOf(back))).status).toBe(200);
    expect((await SELF.fetch("http://hub.test/v1/connections/oura", { method: "DELETE", headers: auth })).status).toBe(204);
    const { rows } = await handle.pool.query("SELECT audit_ref FROM users WHERE subject = $1", [sub]);
    const actions = (await auditRows(rows[0].audit_ref, since)).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["connect", "disconnect"]));
  });

  it("holds pseudonyms and resource names only, never an identifier or a value of the user's data", async () => {
    const rows = await auditRows(alice.auditRef);
    expect(rows.length).toBeGreaterThan(0);
    const text = JSON.stringify(rows);
    for (const needle of [alice.id, alice.sub, alice.ouraUserId, ...Object.values(alice.values).filter((v) => !Number.isInteger(v)).map(String)]) {
      expect(text).not.toContain(needle);
    }
  });

  it("cannot be altered or removed, not even the user's own rows, and outlives the erasure", async () => {
    const user = await seedUser(handle, "audit-erased", 300);
    await (await SELF.fetch("http://hub.test/v1/me/export", { headers: await bearer(user.sub) })).arrayBuffer();
    const before = await auditRows(user.auditRef);
    expect(before.length).toBeGreaterThanOrEqual(2);
    await expect(handle.pool.query("UPDATE audit_log SET action = 'tampered' WHERE subject_ref = $1", [user.auditRef])).rejects.toThrow(/append-only/);
    await expect(handle.pool.query("DELETE FROM audit_log WHERE subject_ref = $1", [user.auditRef])).rejects.toThrow(/append-only/);
    expect(await auditRows(user.auditRef)).toEqual(before);
    expect((await SELF.fetch("http://hub.test/v1/me", { method: "DELETE", headers: await bearer(user.sub) })).status).toBe(202);
    const after = await auditRows(user.auditRef);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => r.action)).toEqual(["erase"]);
  });
});
