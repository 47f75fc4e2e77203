// A small client for the parts of Neon's API (https://console.neon.tech/api/v2) that previews need:
// branch create / find / delete, operation status and connection URIs. Answers are validated with
// zod; errors carry Neon's status and message, never the API key or a connection string.
import { z } from "zod";

export const NEON_API_BASE = "https://console.neon.tech/api/v2";

const Branch = z.object({ id: z.string(), name: z.string(), parent_id: z.string().optional(), project_id: z.string() });
const Operation = z.object({ id: z.string(), action: z.string(), status: z.string() });
const CreatedBranch = z.object({ branch: Branch, operations: z.array(Operation).default([]) });
const BranchList = z.object({ branches: z.array(Branch) });
const OperationAnswer = z.object({ operation: Operation });
const ConnectionUri = z.object({ uri: z.string() });
const NeonErrorBody = z.object({ message: z.string(), code: z.string().optional() });

export type NeonBranch = z.infer<typeof Branch>;
export type NeonOperation = z.infer<typeof Operation>;

export class NeonApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`Neon API ${status}: ${message}`);
    this.name = "NeonApiError";
  }
}

export interface NeonClientOptions {
  apiKey: string;
  baseUrl?: string;
  /** Attempts on 429 (rate limit) and 423 (project busy with another operation). */
  maxAttempts?: number;
  /** Wait when an answer carries no Retry-After; doubled on every further attempt. */
  retryBaseMs?: number;
}

const FINISHED = new Set(["finished", "skipped"]);
const FAILED = new Set(["failed", "cancelled"]);

export class NeonClient {
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;

  constructor(options: NeonClientOptions) {
    this.#apiKey = options.apiKey;
    this.#baseUrl = (options.baseUrl ?? NEON_API_BASE).replace(/\/$/, "");
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#retryBaseMs = options.retryBaseMs ?? 1_000;
  }

  /** Finds the branch named `name`, or creates it from `parentId` with a read-write compute. */
  async ensureBranch(projectId: string, name: string, parentId: string): Promise<{ branch: NeonBranch; created: boolean }> {
    const existing = await this.findBranch(projectId, name);
    if (existing) return { branch: existing, created: false };
    const body = { branch: { name, parent_id: parentId }, endpoints: [{ type: "read_write" }] };
    try {
      const answer = CreatedBranch.parse(await this.#request("POST", `/projects/${projectId}/branches`, body));
      await this.waitForOperations(projectId, answer.operations);
      return { branch: answer.branch, created: true };
    } catch (error) {
      // A concurrent run created it between our lookup and our create.
      if (!(error instanceof NeonApiError && error.status === 409)) throw error;
      const raced = await this.findBranch(projectId, name);
      if (!raced) throw error;
      return { branch: raced, created: false };
    }
  }

  /** `search` matches partial names; only an exact match counts. */
  async findBranch(projectId: string, name: string): Promise<NeonBranch | undefined> {
    const query = new URLSearchParams({ search: name });
    const answer = BranchList.parse(await this.#request("GET", `/projects/${projectId}/branches?${query}`));
    return answer.branches.find((branch) => branch.name === name);
  }

  /** Deletes the branch; false when it was already gone (404), so teardown can run twice. */
  async deleteBranch(projectId: string, branchId: string): Promise<boolean> {
    try {
      const answer = CreatedBranch.parse(await this.#request("DELETE", `/projects/${projectId}/branches/${branchId}`));
      await this.waitForOperations(projectId, answer.operations);
      return true;
    } catch (error) {
      if (error instanceof NeonApiError && error.status === 404) return false;
      throw error;
    }
  }

  async waitForOperations(projectId: string, operations: NeonOperation[], pollMs = this.#retryBaseMs): Promise<void> {
    for (const started of operations) {
      let operation = started;
      while (!FINISHED.has(operation.status)) {
        if (FAILED.has(operation.status)) throw new NeonApiError(500, `operation ${operation.action} ${operation.status}`);
        await sleep(pollMs);
        operation = OperationAnswer.parse(await this.#request("GET", `/projects/${projectId}/operations/${operation.id}`)).operation;
      }
    }
  }

  /** `pooled: false` gives the direct connection migrations need; the Worker uses the pooled one. */
  async connectionUri(projectId: string, branchId: string, database: string, role: string, pooled: boolean): Promise<string> {
    const query = new URLSearchParams({ branch_id: branchId, database_name: database, role_name: role, pooled: String(pooled) });
    return ConnectionUri.parse(await this.#request("GET", `/projects/${projectId}/connection_uri?${query}`)).uri;
  }

  async #request(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.ok) return text === "" ? {} : (JSON.parse(text) as unknown);
      const retryable = response.status === 429 || response.status === 423;
      if (retryable && attempt < this.#maxAttempts) {
        await sleep(retryDelayMs(response.headers.get("retry-after"), this.#retryBaseMs * 2 ** (attempt - 1)));
        continue;
      }
      throw new NeonApiError(response.status, errorMessage(text));
    }
  }
}

function errorMessage(text: string): string {
  try {
    const parsed = NeonErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.message;
  } catch {
    // not JSON: fall through
  }
  return "unexpected answer";
}

function retryDelayMs(header: string | null, fallbackMs: number): number {
  const seconds = Number(header);
  return header !== null && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : fallbackMs;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
