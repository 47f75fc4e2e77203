# DNS and Worker routes. The records are proxied placeholders (100::): the Worker answers.
resource "cloudflare_dns_record" "api" {
  zone_id = var.zone_id
  name    = local.api_host
  type    = "AAAA"
  content = "100::"
  proxied = true
  ttl     = 1
}

resource "cloudflare_workers_route" "api" {
  zone_id = var.zone_id
  pattern = "${local.api_host}/*"
  script  = local.script
}

resource "cloudflare_dns_record" "preview" {
  for_each = local.previews
  zone_id  = var.zone_id
  name     = each.value.host
  type     = "AAAA"
  content  = "100::"
  proxied  = true
  ttl      = 1
}

resource "cloudflare_workers_route" "preview" {
  for_each = local.previews
  zone_id  = var.zone_id
  pattern  = "${each.value.host}/*"
  script   = each.value.script
}
