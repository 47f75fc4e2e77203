// Deployment settings read from wrangler.toml the way wrangler reads them, per environment.
import { describe, expect, it } from "vitest";

const ENVIRONMENTS = { development: undefined, staging: "staging", production: "production" } as const;

describe("wrangler.toml", () => {
  it("turns off the public workers.dev hostname and preview URLs in every environment", async () => {
    const { unstable_readConfig } = await import("wrangler");
    for (const [name, env] of Object.entries(ENVIRONMENTS)) {
      const config = unstable_readConfig({ config: "wrangler.toml", env });
      expect(config.workers_dev, name).toBe(false);
      expect(config.preview_urls, name).toBe(false);
    }
  }, 60_000);

  it("names its environment in ENVIRONMENT, one of the values the Worker knows", async () => {
    const { unstable_readConfig } = await import("wrangler");
    for (const [name, env] of Object.entries(ENVIRONMENTS)) {
      expect(unstable_readConfig({ config: "wrangler.toml", env }).vars.ENVIRONMENT, name).toBe(name);
    }
  }, 60_000);
});
