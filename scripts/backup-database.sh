#!/usr/bin/env bash
# Daily logical backup of the hub's Postgres: `pg_dump -Fc` (compressed custom format), optionally
# encrypted (AES-256 with a key from the environment), optionally copied to R2 through its S3 API,
# keeping the newest 30 daily copies. Neon's point-in-time restore is the first line of recovery
# (docs/operations/runbook.md); this is the copy that survives losing the Neon project.
#
#   DATABASE_URL            the database to back up (required)
#   BACKUP_DIR              where copies are kept (default .data/backups)
#   BACKUP_ENCRYPTION_KEY   when set, the copy is encrypted with it (openssl AES-256-CBC, PBKDF2)
#   BACKUP_KEEP             daily copies kept (default 30)
#   R2_ENDPOINT, R2_BUCKET  when both set, the copy is uploaded (aws CLI, S3 API) and the bucket pruned
#                           too; credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (an R2 API token)
#   PG_BIN                  folder of pg_dump (default: `pg_config --bindir`, then PATH)
set -euo pipefail

die() { echo "backup: $*" >&2; exit 1; }
[[ -n "${DATABASE_URL:-}" ]] || die "DATABASE_URL is not set"
dir="${BACKUP_DIR:-.data/backups}"
keep="${BACKUP_KEEP:-30}"
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a positive number"
bin="${PG_BIN:-$(pg_config --bindir 2>/dev/null || true)}"
pg_dump="${bin:+$bin/}pg_dump"
command -v "$pg_dump" >/dev/null || die "pg_dump not found (set PG_BIN)"

mkdir -p "$dir"
day="$(date -u +%Y-%m-%d)"
name="hub-$day.dump"
[[ -n "${BACKUP_ENCRYPTION_KEY:-}" ]] && name="$name.enc"
partial="$(mktemp "$dir/.partial.XXXXXX")"
trap 'rm -f "$partial" "$partial.plain"' EXIT

# Written to a temporary file and moved into place only when complete: a failed run never leaves a
# truncated copy under a real name.
"$pg_dump" --format=custom --compress=6 --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$partial.plain" \
  || die "pg_dump failed"
if [[ -n "${BACKUP_ENCRYPTION_KEY:-}" ]]; then
  openssl enc -aes-256-cbc -salt -pbkdf2 -iter 200000 -pass env:BACKUP_ENCRYPTION_KEY -in "$partial.plain" -out "$partial" \
    || die "encryption failed"
  rm -f "$partial.plain"
else
  mv "$partial.plain" "$partial"
fi
chmod 600 "$partial"
mv "$partial" "$dir/$name"
# The checksum lets restore-database.sh refuse a corrupted copy before it touches anything.
(cd "$dir" && sha256sum "$name" > "$name.sha256")
echo "backup: wrote $dir/$name ($(stat -c %s "$dir/$name") bytes)"

# Retention: the newest $keep daily copies (names sort by date).
mapfile -t old < <(ls -1 "$dir" | grep -E '^hub-[0-9]{4}-[0-9]{2}-[0-9]{2}\.dump(\.enc)?$' | sort -r | tail -n +"$((keep + 1))")
for file in "${old[@]}"; do rm -f "$dir/$file" "$dir/$file.sha256"; done
(( ${#old[@]} == 0 )) || echo "backup: removed ${#old[@]} copies older than the newest $keep"

if [[ -n "${R2_ENDPOINT:-}" && -n "${R2_BUCKET:-}" ]]; then
  command -v aws >/dev/null || die "R2 upload is configured but the aws CLI is missing"
  s3=(aws s3 --endpoint-url "$R2_ENDPOINT")
  "${s3[@]}" cp --only-show-errors "$dir/$name" "s3://$R2_BUCKET/$name" || die "upload to R2 failed"
  "${s3[@]}" cp --only-show-errors "$dir/$name.sha256" "s3://$R2_BUCKET/$name.sha256" || die "upload to R2 failed"
  mapfile -t remote < <("${s3[@]}" ls "s3://$R2_BUCKET/" | awk '{print $4}' | grep -E '^hub-[0-9-]{10}\.dump(\.enc)?$' | sort -r | tail -n +"$((keep + 1))")
  for file in "${remote[@]}"; do "${s3[@]}" rm --only-show-errors "s3://$R2_BUCKET/$file"; "${s3[@]}" rm --only-show-errors "s3://$R2_BUCKET/$file.sha256" || true; done
  echo "backup: uploaded to s3://$R2_BUCKET/$name"
fi
