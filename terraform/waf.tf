# Edge rate limit for the vendor webhooks, ahead of the Worker's own per-IP limiter.
resource "cloudflare_ruleset" "rate_limits" {
  zone_id = var.zone_id
  name    = "${local.script} rate limits"
  kind    = "zone"
  phase   = "http_ratelimit"
  rules = [{
    description = "vendor webhooks per client IP"
    expression  = "(http.host eq \"${local.api_host}\" and starts_with(http.request.uri.path, \"/webhooks/\"))"
    action      = "block"
    ratelimit = {
      characteristics     = ["cf.colo.id", "ip.src"]
      period              = 60
      requests_per_period = var.webhook_rate_limit_per_minute
      mitigation_timeout  = 60
    }
  }]
}
