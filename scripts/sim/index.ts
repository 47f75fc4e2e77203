// Starts the Oura, WHOOP and identity-provider simulators together, for local dev, tests and benchmarks.
import { generateOuraActivity, generateOuraHistory, generateWhoopActivity, generateWhoopHistory } from "./generate";
import { startIdp, type Idp } from "./idp";
import type { OAuthClient } from "./oauth";
import { startOuraSim, type OuraSim } from "./oura";
import { startWhoopSim, type WhoopSim } from "./whoop";

export { startIdp, startOuraSim, startWhoopSim };
export type { Idp, OuraSim, WhoopSim };

/** Made-up credentials the simulators accept by default; they open nothing outside this machine. */
export const DEV_CREDENTIALS = {
  oura: { clientId: "oura-sim-client", clientSecret: "oura-sim-secret" },
  whoop: { clientId: "whoop-sim-client", clientSecret: "whoop-sim-secret" },
  audience: "hub-local",
} as const;

/** Accounts that `history` seeds; the authorize endpoints pick them when no `user` is given. */
export const DEMO_ACCOUNTS = { oura: "oura-demo-user", whoop: 10001 } as const;

export interface SimulatorsOptions {
  /** 0 or absent picks a free port. */
  ports?: { oura?: number; whoop?: number; idp?: number };
  oura?: OAuthClient;
  whoop?: OAuthClient;
  idp?: { issuer?: string; audience?: string };
  /** Seeds one account per vendor with `days` nights of history ending on `endDate` (default today, UTC). */
  history?: { days: number; endDate?: string; seed?: number | string };
  /** Oura's subscription handshake calls back into the hub; off when the hub is not running. */
  verifyOuraCallbacks?: boolean;
}

export interface Simulators {
  oura: OuraSim;
  whoop: WhoopSim;
  idp: Idp;
  /** The hub's configuration (CONTRACT §1 names) pointing at these simulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSimulators(options: SimulatorsOptions = {}): Promise<Simulators> {
  const ouraClient = options.oura ?? DEV_CREDENTIALS.oura;
  const whoopClient = options.whoop ?? DEV_CREDENTIALS.whoop;
  const audience = options.idp?.audience ?? DEV_CREDENTIALS.audience;
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((simulator) => simulator.stop()));
  };
  try {
    const oura = await startOuraSim({
      ...ouraClient,
      port: options.ports?.oura,
      verifyCallbacks: options.verifyOuraCallbacks,
    });
    started.push(oura);
    const whoop = await startWhoopSim({ ...whoopClient, port: options.ports?.whoop });
    started.push(whoop);
    const idp = await startIdp({ port: options.ports?.idp, issuer: options.idp?.issuer, audience });
    started.push(idp);
    if (options.history) seedDemoAccounts(oura, whoop, options.history);
    const env = {
      OURA_CLIENT_ID: ouraClient.clientId,
      OURA_CLIENT_SECRET: ouraClient.clientSecret,
      OURA_API_BASE: oura.url,
      OURA_AUTHORIZE_URL: `${oura.url}/oauth/authorize`,
      OURA_TOKEN_URL: `${oura.url}/oauth/token`,
      WHOOP_CLIENT_ID: whoopClient.clientId,
      WHOOP_CLIENT_SECRET: whoopClient.clientSecret,
      WHOOP_API_BASE: whoop.apiBase,
      WHOOP_AUTHORIZE_URL: `${whoop.url}/oauth/oauth2/auth`,
      WHOOP_TOKEN_URL: `${whoop.url}/oauth/oauth2/token`,
      AUTH_JWKS_URL: idp.jwksUrl,
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: audience,
    };
    return { oura, whoop, idp, env, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function seedDemoAccounts(
  oura: OuraSim,
  whoop: WhoopSim,
  history: NonNullable<SimulatorsOptions["history"]>,
): void {
  const endDate = history.endDate ?? new Date().toISOString().slice(0, 10);
  const seed = history.seed ?? 1;
  oura.addUser(DEMO_ACCOUNTS.oura);
  // The demo athlete lives like one: now and then a night under 3 h, naps, late naps, split nights.
  const irregular = { napProbability: 0.15, shortNightProbability: 0.04, splitNightProbability: 0.06 };
  const nights = generateOuraHistory({ vendorUserId: DEMO_ACCOUNTS.oura, days: history.days, endDate, seed, ...irregular });
  for (const document of nights) oura.putSleep(DEMO_ACCOUNTS.oura, document);
  const ouraActivity = generateOuraActivity(DEMO_ACCOUNTS.oura, nights, { seed });
  for (const document of ouraActivity.dailySleep) oura.putDocument("daily_sleep", DEMO_ACCOUNTS.oura, document);
  for (const document of ouraActivity.workouts) oura.putDocument("workout", DEMO_ACCOUNTS.oura, document);
  whoop.addUser(DEMO_ACCOUNTS.whoop);
  const whoopHistory = generateWhoopHistory({
    vendorUserId: DEMO_ACCOUNTS.whoop,
    days: history.days,
    endDate,
    seed,
    ...irregular,
  });
  for (const sleep of whoopHistory.sleeps) whoop.putSleep(DEMO_ACCOUNTS.whoop, sleep);
  for (const recovery of whoopHistory.recoveries) whoop.putRecovery(DEMO_ACCOUNTS.whoop, recovery);
  const whoopActivity = generateWhoopActivity(DEMO_ACCOUNTS.whoop, whoopHistory, { seed });
  for (const cycle of whoopActivity.cycles) whoop.putCycle(DEMO_ACCOUNTS.whoop, cycle);
  for (const workout of whoopActivity.workouts) whoop.putWorkout(DEMO_ACCOUNTS.whoop, workout);
}
