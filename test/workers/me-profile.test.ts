// GET/PATCH /v1/me: provisioning on first use, the time zone and its validation.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { todayIn } from "../../workers/lib/calendar";
import { auditRows, newUser, utcToday } from "./readiness-fixtures";
import { bearer } from "./sim";

interface Profile {
  id: string;
  timezone: string;
  created_at: string;
}

const patch = (auth: Record<string, string>, body: string) =>
  SELF.fetch("http://hub.test/v1/me", { method: "PATCH", headers: { ...auth, "content-type": "application/json" }, body });

async function profileOf(auth: Record<string, string>): Promise<Profile> {
  const res = await SELF.fetch("http://hub.test/v1/me", { headers: auth });
  expect(res.status).toBe(200);
  return (await res.json()) as Profile;
}

describe("GET /v1/me", () => {
  it("creates the user on first use with UTC, and returns the same user afterwards", async () => {
    const auth = await bearer(`athlete-${crypto.randomUUID()}`);
    const before = Date.now();
    const first = await profileOf(auth);
    expect(Object.keys(first).sort()).toEqual(["created_at", "id", "timezone"]);
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(first.timezone).toBe("UTC");
    expect(first.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(first.created_at) - before)).toBeLessThan(60_000);
    expect(await profileOf(auth)).toEqual(first);
  });

  it("gives different subjects different users", async () => {
    const a = await profileOf(await bearer(`athlete-${crypto.randomUUID()}`));
    const b = await profileOf(await bearer(`athlete-${crypto.randomUUID()}`));
    expect(a.id).not.toBe(b.id);
  });

  it("refuses a missing, malformed or foreign token", async () => {
    const none = await SELF.fetch("http://hub.test/v1/me");
    expect(none.status).toBe(401);
    const forged = await SELF.fetch("http://hub.test/v1/me", { headers: { authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." } });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
  });
});

describe("PATCH /v1/me", () => {
  it("changes the time zone, stores the canonical IANA name, and audits the change", async () => {
    const user = await newUser();
    const res = await patch(user.auth, JSON.stringify({ timezone: "europe/berlin" }));
    expect(res.status).toBe(200);
    const updated = (await res.json()) as Profile;
    expect(updated).toMatchObject({ id: user.id, timezone: "Europe/Berlin" });
    expect(await profileOf(user.auth)).toEqual(updated);
    expect(await auditRows(user.auditRef)).toEqual([
      { action: "update_profile", resource: "users.timezone", actor_ref: user.auditRef, request_id: res.headers.get("x-request-id") },
    ]);
  });

  it("applies the new time zone to the very next request", async () => {
    const user = await newUser();
    // A zone whose date differs from UTC's now: a day ahead in the UTC afternoon, a day behind before.
    const ahead = new Date().getUTCHours() >= 12;
    const timezone = ahead ? "Pacific/Kiritimati" : "Etc/GMT+12";
    expect((await patch(user.auth, JSON.stringify({ timezone }))).status).toBe(200);
    // Ahead: the zone's today is a valid date (no data yet → 404). Behind: UTC's today is in its future (400).
    const date = ahead ? todayIn(timezone) : utcToday();
    const res = await SELF.fetch(`http://hub.test/v1/me/readiness?date=${date}`, { headers: user.auth });
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ahead ? "NOT_FOUND" : "BAD_REQUEST");
  });

  it("refuses a body over 4 KiB with 413 before reading it, changing nothing", async () => {
    const auth = await bearer(`profile-${crypto.randomUUID()}`);
    const huge = JSON.stringify({ timezone: "Europe/Berlin", padding: "x".repeat(8 * 1024 * 1024) });
    const res = await patch(auth, huge);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
    const justOver = await patch(auth, JSON.stringify({ timezone: "Europe/Berlin", padding: "x".repeat(4 * 1024) }));
    expect(justOver.status).toBe(413);
    const me = (await (await SELF.fetch("http://hub.test/v1/me", { headers: auth })).json()) as { timezone: string };
    expect(me.timezone).toBe("UTC");
  });

  it("refuses unknown time zones and malformed bodies with 400, changing nothing", async () => {
    const user = await newUser();
    const bodies = [
      JSON.stringify({ timezone: "Mars/Olympus_Mons" }),
      JSON.stringify({ timezone: "+02:00" }),
      JSON.stringify({ timezone: "" }),
      JSON.stringify({ timezone: 7 }),
      JSON.stringify({}),
      JSON.stringify({ timezone: "UTC", admin: true }),
      "{not json",
    ];
    for (const body of bodies) {
      const res = await patch(user.auth, body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, body).toBe("BAD_REQUEST");
    }
    expect((await profileOf(user.auth)).timezone).toBe("UTC");
    expect(await auditRows(user.auditRef)).toEqual([]);
  });
});
