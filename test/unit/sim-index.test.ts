import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ACCOUNTS, startSimulators, type Simulators } from "../../scripts/sim/index";

let simulators: Simulators;

beforeAll(async () => {
  simulators = await startSimulators({ history: { days: 5, endDate: "2026-07-05", seed: 2 } });
});

afterAll(async () => {
  await simulators.stop();
});

describe("startSimulators", () => {
  it("points the hub's configuration at three running simulators", async () => {
    const { env } = simulators;
    expect(env.OURA_API_BASE).toBe(simulators.oura.url);
    expect(env.WHOOP_API_BASE).toBe(`${simulators.whoop.url}/developer`);
    const jwks = await fetch(env.AUTH_JWKS_URL ?? "");
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(2);
  });

  it("seeds demo accounts that a default consent picks and whose history the API serves", async () => {
    const { env } = simulators;
    const authorize = new URL(env.OURA_AUTHORIZE_URL ?? "");
    authorize.search = new URLSearchParams({
      client_id: env.OURA_CLIENT_ID ?? "",
      response_type: "code",
      redirect_uri: "http://127.0.0.1:9/cb",
      state: "abcdefgh",
    }).toString();
    const consent = await fetch(authorize, { redirect: "manual" });
    const code = new URL(consent.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const tokens = await fetch(env.OURA_TOKEN_URL ?? "", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: "http://127.0.0.1:9/cb",
        client_id: env.OURA_CLIENT_ID ?? "",
        client_secret: env.OURA_CLIENT_SECRET ?? "",
      }),
    });
    const { access_token } = (await tokens.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${access_token}` };
    const info = await fetch(`${env.OURA_API_BASE}/v2/usercollection/personal_info`, { headers });
    expect(await info.json()).toMatchObject({ id: DEMO_ACCOUNTS.oura });
    const sleep = await fetch(`${env.OURA_API_BASE}/v2/usercollection/sleep?start_date=2026-07-01&end_date=2026-07-05`, { headers });
    const { data } = (await sleep.json()) as { data: { day: string; type: string }[] };
    // Every day has its night: a long_sleep, or a `sleep` under 3 h (the demo athlete has short nights).
    const nightTypes = ["long_sleep", "sleep"];
    expect([...new Set(data.filter((document) => nightTypes.includes(document.type)).map((document) => document.day))]).toEqual([
      "2026-07-01",
      "2026-07-02",
      "2026-07-03",
      "2026-07-04",
      "2026-07-05",
    ]);
  });

  it("stops every server", async () => {
    const separate = await startSimulators();
    const urls = [separate.oura.url, separate.whoop.url, separate.idp.url];
    await separate.stop();
    for (const url of urls) await expect(fetch(`${url}/`)).rejects.toThrow();
  });
});
