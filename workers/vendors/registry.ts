// The vendors the hub reads, one line each. Everything that differs between vendors (webhook
// signature and body, API base, OAuth app and scopes, account id, revocation, call budget) is in the
// vendor's adapter (workers/vendors/<vendor>.ts); callers look the vendor up here instead of
// branching on its name. Adding a vendor: docs/vendors.md.
import { VENDORS, type Vendor } from "../../db/sources";
import type { Config } from "../env";
import { ouraAdapter } from "./oura";
import type { VendorAdapter, VendorApi } from "./types";
import { whoopAdapter } from "./whoop";

// Typed against the whole config: an adapter that reads a setting env.ts does not validate fails to
// compile here, and so does a vendor of db/sources.ts without its line.
const ADAPTERS: Readonly<Record<Vendor, VendorAdapter<Config>>> = {
  oura: ouraAdapter,
  whoop: whoopAdapter,
};

export function vendorAdapter(vendor: Vendor): VendorAdapter<Config> {
  return ADAPTERS[vendor];
}

export function isVendor(name: string): name is Vendor {
  return (VENDORS as readonly string[]).includes(name);
}

/** Every vendor's adapter, in the order of db/sources.ts. */
export const vendorAdapters = (): VendorAdapter<Config>[] => VENDORS.map(vendorAdapter);

/** Each vendor's API base (to tell the vendor of a URL apart in metrics). */
export function vendorApiBases(config: Config): Record<Vendor, string> {
  return Object.fromEntries(VENDORS.map((vendor) => [vendor, ADAPTERS[vendor].apiBase(config)])) as Record<Vendor, string>;
}

/** A user's door to a vendor's API with this access token. */
export function vendorApi(config: Config, vendor: Vendor, accessToken: string, fetchImpl: VendorApi["fetchImpl"]): VendorApi {
  return { baseUrl: ADAPTERS[vendor].apiBase(config), accessToken, fetchImpl };
}
