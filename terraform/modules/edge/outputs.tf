output "api_host" {
  description = "Host of the mobile API and OAuth callbacks."
  value       = cloudflare_workers_custom_domain.api.hostname
}

output "hooks_host" {
  description = "Host vendors deliver webhooks to (Oura subscriptions, WHOOP dashboard)."
  value       = cloudflare_workers_custom_domain.hooks.hostname
}
