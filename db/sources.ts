// The sources of data the hub stores, as the CHECK constraints of db/migrations list them: vendors
// that push webhooks and are read through an OAuth API, and phone platforms whose apps upload
// samples. Every enum of vendors or sources (route schemas, queue messages, column types) is built
// from these lists; they sit here, at the bottom, so that db/ and lib/ can use them without
// importing anything above them.
export const VENDORS = ["oura", "whoop"] as const;
export type Vendor = (typeof VENDORS)[number];

export const PHONE_SOURCES = ["apple_health", "health_connect"] as const;
export type PhoneSource = (typeof PHONE_SOURCES)[number];

export const SOURCES = [...VENDORS, ...PHONE_SOURCES] as const;
export type Source = (typeof SOURCES)[number];
