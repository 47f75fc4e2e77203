# Zone rulesets for every environment served from this zone (see var.manage_zone_rulesets).
locals {
  api_hosts   = [for env in var.rule_environments : "api${local.host_suffix[env]}.${var.domain}"]
  hooks_hosts = [for env in var.rule_environments : "hooks${local.host_suffix[env]}.${var.domain}"]
  on_api      = "http.host in {${join(" ", [for h in local.api_hosts : "\"${h}\""])}}"
  on_hooks    = "http.host in {${join(" ", [for h in local.hooks_hosts : "\"${h}\""])}}"
  webhooks    = "starts_with(http.request.uri.path, \"/webhooks/\")"
  v1          = "starts_with(http.request.uri.path, \"/v1/\")"

  # Cloudflare's body-size field needs an Enterprise add-on; the declared Content-Length is available
  # on every plan. The rules language has no string-to-number conversion, so "declared > max" is
  # written as "more digits than max, or as many digits and greater as text" (the Worker still counts
  # the bytes it actually receives).
  content_length     = "http.request.headers[\"content-length\"][0]"
  webhook_max        = tostring(var.limits.webhook_body_max_bytes)
  api_max            = tostring(var.limits.api_body_max_bytes)
  webhook_body_large = "(len(${local.content_length}) gt ${length(local.webhook_max)} or (len(${local.content_length}) eq ${length(local.webhook_max)} and ${local.content_length} gt \"${local.webhook_max}\"))"
  api_body_large     = "(len(${local.content_length}) gt ${length(local.api_max)} or (len(${local.content_length}) eq ${length(local.api_max)} and ${local.content_length} gt \"${local.api_max}\"))"

  # Published ids of Cloudflare's managed rulesets (same in every account).
  cloudflare_managed_ruleset = "efb7b8c949ac4650a09736fc376e9aee"
  owasp_core_ruleset         = "4814384a9e5d4991b9815dcfc25d2f1f"
}

resource "cloudflare_ruleset" "request_filters" {
  count   = var.manage_zone_rulesets ? 1 : 0
  zone_id = var.zone_id
  name    = "hub request filters"
  kind    = "zone"
  phase   = "http_request_firewall_custom"
  rules = [
    {
      ref         = "webhook_methods"
      description = "Only POST deliveries and Oura's GET handshake reach the webhooks"
      action      = "block"
      expression  = "(${local.on_hooks} and ${local.webhooks} and not (http.request.method eq \"POST\" or (http.request.method eq \"GET\" and http.request.uri.path eq \"/webhooks/oura\")))"
    },
    {
      ref         = "hooks_host_paths"
      description = "The hooks host serves webhooks and the health check only"
      action      = "block"
      expression  = "(${local.on_hooks} and not ${local.webhooks} and http.request.uri.path ne \"/health\")"
    },
    {
      ref         = "api_host_no_webhooks"
      description = "Webhooks arrive on the hooks host, so the API host's managed rules never see them"
      action      = "block"
      expression  = "(${local.on_api} and ${local.webhooks})"
    },
    {
      ref         = "webhook_body_size"
      description = "Declared webhook bodies over the contract's limit"
      action      = "block"
      expression  = "(${local.on_hooks} and ${local.webhook_body_large})"
    },
    {
      ref         = "api_body_size"
      description = "Declared API bodies over the largest upload the contract allows"
      action      = "block"
      expression  = "(${local.on_api} and ${local.api_body_large})"
    },
  ]
}

resource "cloudflare_ruleset" "managed_waf" {
  count   = var.manage_zone_rulesets ? 1 : 0
  zone_id = var.zone_id
  name    = "hub managed WAF"
  kind    = "zone"
  phase   = "http_request_firewall_managed"
  # Only /v1/* on the API host: the OWASP scores would flag signed webhook JSON, which must reach the
  # Worker byte for byte for its signature to verify.
  rules = [
    {
      ref               = "cloudflare_managed_v1"
      description       = "Cloudflare Managed Ruleset on the mobile API"
      action            = "execute"
      action_parameters = { id = local.cloudflare_managed_ruleset }
      expression        = "(${local.on_api} and ${local.v1})"
    },
    {
      ref               = "owasp_core_v1"
      description       = "OWASP Core Ruleset on the mobile API"
      action            = "execute"
      action_parameters = { id = local.owasp_core_ruleset }
      expression        = "(${local.on_api} and ${local.v1})"
    },
  ]
}

resource "cloudflare_ruleset" "rate_limits" {
  count   = var.manage_zone_rulesets ? 1 : 0
  zone_id = var.zone_id
  name    = "hub rate limits"
  kind    = "zone"
  phase   = "http_ratelimit"
  rules = [
    {
      ref         = "webhook_flood_guard"
      description = "Vendor webhooks per client IP: a flood guard equal to the Worker's WEBHOOK_RATE_LIMITER"
      action      = "block"
      expression  = "(${local.on_hooks} and ${local.webhooks})"
      ratelimit = {
        characteristics     = ["cf.colo.id", "ip.src"]
        period              = var.limits.webhook_flood_guard.period_seconds
        requests_per_period = var.limits.webhook_flood_guard.requests
        mitigation_timeout  = var.limits.webhook_flood_guard.period_seconds
      }
    },
    {
      ref         = "api_per_ip"
      description = "Mobile API per client IP, ahead of the Worker's per-user limit"
      action      = "block"
      expression  = "(${local.on_api} and ${local.v1})"
      ratelimit = {
        characteristics     = ["cf.colo.id", "ip.src"]
        period              = var.limits.api_per_ip.period_seconds
        requests_per_period = var.limits.api_per_ip.requests
        mitigation_timeout  = var.limits.api_per_ip.period_seconds
      }
    },
  ]
}
