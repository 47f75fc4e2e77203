// `tsx scripts/smoke.ts <url>`: exits 0 once <url> answers 200 (deploy workflows run it against
// /health/ready). CF_ACCESS_CLIENT_ID / CF_ACCESS_CLIENT_SECRET pass Access when the host is behind it.
import { smokeTest } from "./lib/smoke";

const url = process.argv[2];
if (!url || !URL.canParse(url)) {
  console.error("usage: tsx scripts/smoke.ts <url>");
  process.exit(2);
}
const result = await smokeTest({
  url,
  accessClientId: process.env.CF_ACCESS_CLIENT_ID,
  accessClientSecret: process.env.CF_ACCESS_CLIENT_SECRET,
});
console.log(`smoke ${url}: ${result.ok ? "ok" : "FAILED"} (HTTP ${result.status} after ${result.attempts} attempt(s))`);
process.exit(result.ok ? 0 : 1);
