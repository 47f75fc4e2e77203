# One Access application for every preview host, so one `aud` serves every preview Worker
# (ACCESS_AUD). pr-0.<domain> is a placeholder destination no Worker serves: the application, and
# with it the aud, exists while no pull request is open.
locals {
  preview_hosts = [for pr in sort(concat([0], tolist(var.preview_pull_requests))) : "pr-${pr}.${var.domain}"]
  team_include = concat(
    [for domain in var.allowed_email_domains : { email_domain = { domain = domain } }],
    [for id in var.allowed_group_ids : { group = { id = id } }],
  )
}

resource "cloudflare_zero_trust_access_policy" "team" {
  account_id = var.account_id
  name       = "${var.worker_name} previews: team"
  decision   = "allow"
  include    = local.team_include
  lifecycle {
    precondition {
      condition     = length(local.team_include) > 0
      error_message = "Set allowed_email_domains or allowed_group_ids: an allow policy with no one in it locks everybody out."
    }
  }
}

resource "cloudflare_zero_trust_access_service_token" "ci" {
  account_id = var.account_id
  name       = "${var.worker_name} previews: CI smoke tests"
  duration   = var.service_token_duration
}

resource "cloudflare_zero_trust_access_policy" "ci" {
  account_id = var.account_id
  name       = "${var.worker_name} previews: CI service token"
  decision   = "non_identity"
  include    = [{ service_token = { token_id = cloudflare_zero_trust_access_service_token.ci.id } }]
}

# Vendors cannot log in; their deliveries are authenticated by signatures, and the Worker checks
# Cf-Access-Jwt-Assertion itself on every other path when ACCESS_AUD is set.
resource "cloudflare_zero_trust_access_policy" "webhooks_bypass" {
  account_id = var.account_id
  name       = "${var.worker_name} previews: vendor webhooks"
  decision   = "bypass"
  include    = [{ everyone = {} }]
}

resource "cloudflare_zero_trust_access_application" "previews" {
  account_id       = var.account_id
  name             = "${var.worker_name} previews"
  type             = "self_hosted"
  session_duration = var.session_duration
  destinations     = [for host in local.preview_hosts : { type = "public", uri = host }]
  policies = [
    { id = cloudflare_zero_trust_access_policy.team.id, precedence = 1 },
    { id = cloudflare_zero_trust_access_policy.ci.id, precedence = 2 },
  ]
}

# The more specific path wins in Access, so /webhooks/* on every preview host is bypassed.
resource "cloudflare_zero_trust_access_application" "preview_webhooks" {
  account_id       = var.account_id
  name             = "${var.worker_name} previews: webhooks"
  type             = "self_hosted"
  session_duration = var.session_duration
  destinations     = [for host in local.preview_hosts : { type = "public", uri = "${host}/webhooks/*" }]
  policies         = [{ id = cloudflare_zero_trust_access_policy.webhooks_bypass.id, precedence = 1 }]
}
