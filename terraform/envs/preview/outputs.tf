output "access_aud" {
  description = "ACCESS_AUD of every preview Worker (scripts/preview.ts reads it in the preview workflow)."
  value       = module.access.aud
}

output "access_team_domain" {
  description = "ACCESS_TEAM_DOMAIN of every preview Worker."
  value       = var.access_team_domain
}

output "preview_hosts" {
  description = "Hosts behind Access."
  value       = module.access.preview_hosts
}

output "service_token_client_id" {
  description = "CF-Access-Client-Id for the CI smoke test."
  value       = module.access.service_token_client_id
}

output "service_token_client_secret" {
  description = "CF-Access-Client-Secret for the CI smoke test; copy it into the CI secret store once."
  value       = module.access.service_token_client_secret
  sensitive   = true
}
