// The load run's population: athletes with 90 days of nights and 30 days of readiness in Postgres,
// a bearer JWT each, and (4 in 10) an Oura or (3 in 10) a WHOOP account connected the real way, whose
// last nights the vendor simulator holds, so that webhooks name objects the consumers can fetch.
// Everyone uploads phone samples (Apple Health or Health Connect, alternately).
import type { Pool } from "@neondatabase/serverless";
import type { Stack } from "../../scripts/lib/stack";
import { addDays, generateWhoopHistory } from "../../scripts/sim/generate";
import { connectOuraUser } from "./oura-users";
import { seedHistoryUser, seedSnapshots } from "./readiness-users";
import type { AthleteSpec, AthleteVendor } from "./session-types";
import { connectVendor } from "./vendor-connections";

export const ATHLETE_HISTORY_DAYS = 90;
export const ATHLETE_SNAPSHOT_DAYS = 30;
/** Nights each connected account holds in its vendor simulator (the webhooks cycle through them). */
const VENDOR_NIGHTS = 7;
const SEED_CONCURRENCY = 8;
const WHOOP_FIRST_USER_ID = 200_000;

export function vendorOf(index: number): AthleteVendor {
  const tenth = index % 10;
  return tenth < 4 ? "oura" : tenth < 7 ? "whoop" : "phone";
}

/** WHOOP cycle ids are drawn per account; a cycle another account already holds is left out. */
const takenCycles = new Set<number>();

async function connectWhoop(stack: Stack, pool: Pool, userId: string, index: number, today: string): Promise<{ vendorUserId: string; objects: string[] }> {
  const whoopUserId = WHOOP_FIRST_USER_ID + index;
  stack.sims.whoop.addUser(whoopUserId);
  const { sleeps, recoveries } = generateWhoopHistory({ vendorUserId: whoopUserId, days: VENDOR_NIGHTS, endDate: today, seed: `load-${index}` });
  const objects: string[] = [];
  for (const sleep of sleeps) {
    const recovery = recoveries.find((candidate) => candidate.sleep_id === sleep.id);
    if (sleep.nap || !recovery || takenCycles.has(sleep.cycle_id)) continue;
    takenCycles.add(sleep.cycle_id);
    stack.sims.whoop.putSleep(whoopUserId, sleep);
    stack.sims.whoop.putRecovery(whoopUserId, recovery);
    objects.push(sleep.id);
  }
  await connectVendor(stack, pool, userId, "whoop", String(whoopUserId));
  return { vendorUserId: String(whoopUserId), objects };
}

async function seedAthlete(stack: Stack, pool: Pool, index: number, today: string, tokenLifetimeS: number): Promise<AthleteSpec> {
  const subject = `load|athlete-${index}`;
  const user = await seedHistoryUser(pool, subject, today, ATHLETE_HISTORY_DAYS);
  await seedSnapshots(pool, user, Array.from({ length: ATHLETE_SNAPSHOT_DAYS }, (_, i) => addDays(today, i - ATHLETE_SNAPSHOT_DAYS + 1)));
  const vendor = vendorOf(index);
  let account = { vendorUserId: "", objects: [] as string[] };
  if (vendor === "oura") {
    const oura = await connectOuraUser(stack, pool, { label: `athlete${index}`, nights: VENDOR_NIGHTS, endDate: today, userId: user.userId });
    account = { vendorUserId: oura.vendorUserId, objects: oura.nights.map((night) => night.id) };
  } else if (vendor === "whoop") {
    account = await connectWhoop(stack, pool, user.userId, index, today);
  }
  return {
    subject,
    token: await stack.sims.idp.mint({ sub: subject, expSeconds: tokenLifetimeS }),
    vendor,
    phoneSource: index % 2 === 0 ? "apple_health" : "health_connect",
    ...account,
  };
}

/** Seeds `count` athletes, a few at a time (Postgres shares the machine's two cores). */
export async function seedAthletes(stack: Stack, pool: Pool, count: number, today: string, tokenLifetimeS: number): Promise<AthleteSpec[]> {
  const athletes: AthleteSpec[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) athletes[index] = await seedAthlete(stack, pool, index, today, tokenLifetimeS);
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
  return athletes;
}
