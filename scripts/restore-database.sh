#!/usr/bin/env bash
# Restores a copy made by backup-database.sh into an EMPTY database:
#   scripts/restore-database.sh <backup file> <target database URL>
# Everything is checked before the target is touched: the file exists, its checksum (the .sha256
# beside it) matches, it decrypts (BACKUP_ENCRYPTION_KEY, for .enc files), pg_restore can read its
# table of contents, and the target holds no tables. Then one transaction restores it all, or nothing.
# Exit codes: 2 usage / missing file, 3 corrupted or unreadable copy, 4 target not empty, 1 other.
set -euo pipefail

die() { local code="$1"; shift; echo "restore: $*" >&2; exit "$code"; }
file="${1:-}"
target="${2:-${RESTORE_DATABASE_URL:-}}"
[[ -n "$file" && -n "$target" ]] || die 2 "usage: restore-database.sh <backup file> <target database URL>"
[[ -f "$file" && -r "$file" ]] || die 2 "backup file not found or unreadable: $file"
bin="${PG_BIN:-$(pg_config --bindir 2>/dev/null || true)}"
pg_restore="${bin:+$bin/}pg_restore"
psql="${bin:+$bin/}psql"
command -v "$pg_restore" >/dev/null || die 1 "pg_restore not found (set PG_BIN)"

if [[ -f "$file.sha256" ]]; then
  expected="$(awk '{print $1}' "$file.sha256")"
  actual="$(sha256sum "$file" | awk '{print $1}')"
  [[ "$expected" == "$actual" ]] || die 3 "backup file is corrupted: its SHA-256 does not match $file.sha256; nothing was restored"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
archive="$file"
if [[ "$file" == *.enc ]]; then
  [[ -n "${BACKUP_ENCRYPTION_KEY:-}" ]] || die 2 "$file is encrypted: set BACKUP_ENCRYPTION_KEY"
  openssl enc -d -aes-256-cbc -pbkdf2 -iter 200000 -pass env:BACKUP_ENCRYPTION_KEY -in "$file" -out "$work/archive" 2>/dev/null \
    || die 3 "backup file could not be decrypted (wrong key or corrupted file); nothing was restored"
  archive="$work/archive"
fi
"$pg_restore" --list "$archive" > "$work/toc" 2>/dev/null \
  || die 3 "backup file is not a readable pg_dump archive (corrupted or truncated); nothing was restored"

tables="$("$psql" "$target" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')" 2>&1)" \
  || die 1 "target database could not be reached: ${tables%%$'\n'*}"
[[ "$tables" == "0" ]] || die 4 "target database is not empty ($tables tables); restore into a fresh database"

"$pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$target" "$archive" \
  || die 3 "pg_restore failed; the transaction was rolled back and the target is unchanged"
echo "restore: restored $(grep -c 'TABLE DATA' "$work/toc") tables from $file"
