# Two hosts per environment: api(-<env>).<domain> for the mobile API and OAuth, hooks(-<env>).<domain>
# for vendor webhooks. Keeping webhooks on their own host lets the managed WAF rulesets cover the API
# without touching signed webhook bodies. A Worker custom domain creates and owns its DNS record (a
# proxied record of the same name made by hand would conflict), so no separate DNS record is needed.
locals {
  host_suffix = { staging = "-staging", production = "" }
  api_host    = "api${local.host_suffix[var.environment]}.${var.domain}"
  hooks_host  = "hooks${local.host_suffix[var.environment]}.${var.domain}"
}

resource "cloudflare_workers_custom_domain" "api" {
  account_id  = var.account_id
  zone_id     = var.zone_id
  hostname    = local.api_host
  service     = var.script_name
  environment = "production" # the script's only deployment; wrangler environments are separate scripts
}

resource "cloudflare_workers_custom_domain" "hooks" {
  account_id  = var.account_id
  zone_id     = var.zone_id
  hostname    = local.hooks_host
  service     = var.script_name
  environment = "production"
}
