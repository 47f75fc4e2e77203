// Structured JSON logs. Only flat, operational fields are accepted, and any key that could carry a
// secret or a biometric value is dropped before printing: logs leave the privacy boundary.
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const FORBIDDEN_KEY = /token|secret|password|authorization|cookie|signature|code|state|key|rmssd|sdnn|hrv|heart|sleep|score|value|body/i;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
}

// Fields this module itself produces (describeError) whose names the filter would catch: a SQLSTATE
// ("code") and a constraint name are what an operator needs, and never carry values.
const SAFE_KEYS = new Set(["db_code", "db_constraint"]);

function clean(fields: LogFields): LogFields {
  return Object.fromEntries(Object.entries(fields).filter(([k, v]) => v !== undefined && (SAFE_KEYS.has(k) || !FORBIDDEN_KEY.test(k))));
}

export function createLogger(base: LogFields = {}): Logger {
  // Cleaned once: a request's logger writes at least its summary line with the same base fields.
  const cleanBase = clean(base);
  const write = (level: "info" | "warn" | "error", event: string, fields?: LogFields) => {
    const line = JSON.stringify({ level, event, at: new Date().toISOString(), ...cleanBase, ...(fields ? clean(fields) : undefined) });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  };
  return {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    with: (fields) => createLogger({ ...base, ...fields }),
  };
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
// Only the project's own error classes write messages known to hold no secrets or values; anything
// else is logged by name, unless it is a recognisable connection failure.
const SAFE_MESSAGE = /^(VendorError|PermanentError|RetryableError|ConfigError|TokenInvalid|ApiError)$/;
const DRIVER_MESSAGE = /^(Connection terminated|connect ECONNREFUSED|Connection timeout|timeout|WebSocket|Network connection lost)/i;

/**
 * An error's class and a value-free description for logs. Database errors are reduced to their
 * SQLSTATE and constraint: drizzle's message carries the query's parameters and Postgres messages
 * can quote input values, either of which may be biometric data or ids.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error_name: typeof error };
  const database = [error, error.cause].find(
    (e): e is Error & { code: string; constraint?: string } =>
      e instanceof Error && typeof (e as { code?: unknown }).code === "string" && SQLSTATE.test((e as unknown as { code: string }).code),
  );
  if (database) return { error_name: "DatabaseError", db_code: database.code, db_constraint: database.constraint };
  // A failed query whose cause is no SQL error (connection lost, timeout): the driver's message is
  // what an operator needs, and it carries no parameters.
  const cause = error.message.startsWith("Failed query") && error.cause instanceof Error ? error.cause : error;
  return SAFE_MESSAGE.test(cause.name) || DRIVER_MESSAGE.test(cause.message)
    ? { error_name: cause.name, error_message: cause.message.slice(0, 200) }
    : { error_name: cause.name };
}
