output "api_url" {
  description = "Base URL of the mobile API (PUBLIC_BASE_URL of the Worker)."
  value       = "https://${module.edge.api_host}"
}

output "webhook_base_url" {
  description = "Base URL for vendor webhooks: Oura subscriptions and the WHOOP dashboard point here."
  value       = "https://${module.edge.hooks_host}"
}

output "queues" {
  description = "Queue names by role (wrangler.toml binds the same names)."
  value       = module.queues.names
}

output "backup_bucket" {
  description = "R2 bucket for database backups."
  value       = module.storage.backup_bucket
}
