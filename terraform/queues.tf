resource "cloudflare_queue" "hub" {
  for_each   = local.queues
  account_id = var.account_id
  queue_name = each.value
}

resource "cloudflare_queue" "preview" {
  for_each = merge([
    for pr, preview in local.previews : { for role, name in preview.queues : "${pr}-${role}" => name }
  ]...)
  account_id = var.account_id
  queue_name = each.value
}
