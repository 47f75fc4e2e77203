# Zero Trust Access in front of every preview host. Vendor webhooks stay reachable (bypass): they are
# authenticated by their signatures, and the Worker checks Cf-Access-Jwt-Assertion itself when
# ACCESS_AUD is set.
resource "cloudflare_zero_trust_access_policy" "preview_team" {
  account_id = var.account_id
  name       = "${var.worker_name} previews: team"
  decision   = "allow"
  include    = [{ email_domain = { domain = var.access_allowed_email_domain } }]
}

resource "cloudflare_zero_trust_access_policy" "webhooks_bypass" {
  account_id = var.account_id
  name       = "${var.worker_name} previews: vendor webhooks"
  decision   = "bypass"
  include    = [{ everyone = {} }]
}

resource "cloudflare_zero_trust_access_application" "preview" {
  for_each         = local.previews
  account_id       = var.account_id
  name             = each.value.script
  domain           = each.value.host
  type             = "self_hosted"
  session_duration = "24h"
  policies         = [{ id = cloudflare_zero_trust_access_policy.preview_team.id, precedence = 1 }]
}

resource "cloudflare_zero_trust_access_application" "preview_webhooks" {
  for_each         = local.previews
  account_id       = var.account_id
  name             = "${each.value.script} webhooks"
  domain           = "${each.value.host}/webhooks"
  type             = "self_hosted"
  session_duration = "24h"
  policies         = [{ id = cloudflare_zero_trust_access_policy.webhooks_bypass.id, precedence = 1 }]
}

output "preview_access_aud" {
  description = "ACCESS_AUD for each preview Worker."
  value       = { for pr, app in cloudflare_zero_trust_access_application.preview : pr => app.aud }
}
