output "aud" {
  description = "Audience tag of the previews application: every preview Worker's ACCESS_AUD."
  value       = cloudflare_zero_trust_access_application.previews.aud
}

output "preview_hosts" {
  description = "Hosts behind the application (pr-0 is the placeholder)."
  value       = local.preview_hosts
}

output "service_token_client_id" {
  description = "CF-Access-Client-Id of the CI smoke-test token."
  value       = cloudflare_zero_trust_access_service_token.ci.client_id
}

output "service_token_client_secret" {
  description = "CF-Access-Client-Secret of the CI smoke-test token; store it in the CI secret store once."
  value       = cloudflare_zero_trust_access_service_token.ci.client_secret
  sensitive   = true
}
