#!/usr/bin/env bash
# Merge DIR/shard-*.jsonl into DIR/all.jsonl, sorted by path, and print how many videos were
# recorded, how many failed and how many were recorded twice.
#
#   merge_shards.sh results
#
# A task killed mid-write can leave a cut-off last line; such lines are dropped (and counted).
# Exit status 1 if some path is recorded twice: disjoint shards never do that, so the shard
# count or the input list changed between runs.
set -euo pipefail

dir=${1:?usage: merge_shards.sh DIR (the folder holding shard-*.jsonl)}
shopt -s nullglob
shards=("$dir"/shard-*.jsonl)
if [ ${#shards[@]} -eq 0 ]; then
    echo "merge_shards.sh: no shard-*.jsonl in $dir" >&2
    exit 2
fi

# Written next to all.jsonl and renamed at the end, so a failed merge leaves no half file.
tmp=$(mktemp "$dir/all.jsonl.tmp.XXXXXX")
keys=$(mktemp)
keyed=$(mktemp)
trap 'rm -f "$tmp" "$keys" "$keyed"' EXIT

# `awk 1` ends each shard with a newline; otherwise a cut-off last line would run into the
# next shard's first line and take that record down with it.
lines=$(awk 'NF { n++ } END { print n + 0 }' "${shards[@]}")

if command -v jq >/dev/null 2>&1; then
    # fromjson? drops every line that does not parse; records without a string "path" too.
    awk 1 "${shards[@]}" \
        | jq -cR 'fromjson? | select(type == "object" and (.path | type) == "string")' \
        | jq -cs 'sort_by(.path)[]' >"$tmp"
    jq -c '.path' "$tmp" >"$keys"  # JSON-quoted: a newline in a path stays one line
    errors=$(jq -c 'select(has("error"))' "$tmp" | wc -l)
else
    # No jq: a complete record is a line from "{" to "}"; the sort key is the "path" string as
    # written (escapes kept), put in front with a tab (a JSON string holds no raw tab) and cut off.
    awk 1 "${shards[@]}" | grep -E '^[[:space:]]*\{.*\}[[:space:]]*$' \
        | awk '{
            if (!match($0, /"path"[[:space:]]*:[[:space:]]*"([^"\\]|\\.)*"/)) next
            key = substr($0, RSTART, RLENGTH)
            sub(/^"path"[[:space:]]*:[[:space:]]*"/, "", key); sub(/"$/, "", key)
            print key "\t" $0
        }' \
        | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -s >"$keyed"
    cut -f1 "$keyed" >"$keys"
    cut -f2- "$keyed" >"$tmp"
    errors=$(grep -c '"error"[[:space:]]*:' "$tmp" || true)
fi

videos=$(wc -l <"$keys")
duplicates=$(LC_ALL=C sort "$keys" | uniq -d | wc -l)
mv "$tmp" "$dir/all.jsonl"

echo "merged ${#shards[@]} shards into $dir/all.jsonl"
echo "videos recorded  $videos"
echo "errors           $errors"
echo "duplicates       $duplicates"
echo "dropped lines    $((lines - videos))"
if [ "$duplicates" -ne 0 ]; then
    echo "merge_shards.sh: $duplicates paths recorded more than once, e.g.:" >&2
    LC_ALL=C sort "$keys" | uniq -d | head -n 5 >&2
    exit 1
fi
