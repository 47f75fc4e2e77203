# The queues of one Worker script, named `<script>-<role>` as in wrangler.toml. Consumers, retries and
# which queue is whose dead-letter queue are settings of the consumer, so wrangler.toml carries them.
variable "account_id" {
  type        = string
  description = "Cloudflare account that owns the queues."
}

variable "script_name" {
  type        = string
  description = "Worker script whose queues these are; every name starts with it."
}

variable "roles" {
  type        = list(string)
  default     = ["ingest", "insights", "ingest-dlq", "insights-dlq"]
  description = "Queue roles; the Worker dispatches on the role suffix of `batch.queue`."
}

resource "cloudflare_queue" "this" {
  for_each   = toset(var.roles)
  account_id = var.account_id
  queue_name = "${var.script_name}-${each.key}"
}

output "names" {
  description = "Queue name by role."
  value       = { for role, queue in cloudflare_queue.this : role => queue.queue_name }
}
