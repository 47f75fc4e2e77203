// Smoke test after a deploy: GET a URL until it answers 200, through Cloudflare Access with a
// service token when one is given. A fresh custom domain can take a minute to get its certificate,
// hence the retries. Only statuses are reported: the token never appears in output.
export interface SmokeOptions {
  url: string;
  /** CF-Access-Client-Id / CF-Access-Client-Secret of an Access service token. */
  accessClientId?: string;
  accessClientSecret?: string;
  attempts?: number;
  delayMs?: number;
}

export interface SmokeResult {
  ok: boolean;
  /** Status of the last answer, or 0 when no answer came. */
  status: number;
  attempts: number;
}

export async function smokeTest(options: SmokeOptions): Promise<SmokeResult> {
  const attempts = options.attempts ?? 10;
  const headers: Record<string, string> =
    options.accessClientId && options.accessClientSecret
      ? { "cf-access-client-id": options.accessClientId, "cf-access-client-secret": options.accessClientSecret }
      : {};
  let status = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      // Access answers an unauthenticated request with a redirect to its login page: never follow it.
      const response = await fetch(options.url, { headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
      status = response.status;
      await response.arrayBuffer();
      if (status === 200) return { ok: true, status, attempts: attempt };
    } catch {
      status = 0; // DNS or TLS not ready yet
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 6_000));
  }
  return { ok: false, status, attempts };
}
