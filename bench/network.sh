#!/usr/bin/env bash
# Benchmark: a network of many small comuni (default 500 of 100 pages), as a provincial service
# centre runs them. Needs ../shared/bench beside the repo; Hugo is timed if installed.
#
# Usage: bench/network.sh [-c 500] [-p 100] [-O /dev/shm/civico-net]
# The 100-page corpus of ../shared/bench/gen-content.py is adapted into one comune
# (bench/adapt-neutral.py) and copied C times under different names. civico builds the whole
# network in one run: cold (empty output, no cache), again with nothing changed (the build
# cache skips every comune), and after editing one file of one comune. Hugo builds the same
# C sites, one `hugo` per site, two at a time (the machine has two cores).
# Writes bench/results/network-latest.md.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(dirname "$HERE")
SHARED=${SHARED:-$REPO/../shared}
COMUNI=500; PAGES=100; OUT=/dev/shm/civico-net
while getopts "c:p:O:" o; do case $o in c) COMUNI=$OPTARG ;; p) PAGES=$OPTARG ;; O) OUT=$OPTARG ;; *) sed -n 2,10p "$0"; exit 2 ;; esac; done
WORK=${TMPDIR:-/tmp}/civico-net-$COMUNI-$PAGES; mkdir -p "$WORK" "$OUT"
(cd "$REPO" && cargo build --release --quiet)
CIVICO=${CARGO_TARGET_DIR:-$REPO/target}/release/civico
HUGO=$(command -v hugo || true)

if [[ ! -f $WORK/.done ]]; then
  rm -rf "$WORK"; mkdir -p "$WORK"
  python3 "$SHARED/bench/gen-content.py" --pages "$PAGES" --out "$WORK/corpus" --flavors hugo,neutral >/dev/null
  python3 "$HERE/adapt-neutral.py" "$WORK/corpus/neutral" "$WORK/one"
  mkdir -p "$WORK/rete/comuni" "$WORK/hugo"
  cp "$WORK/one/civico.yaml" "$WORK/rete/"
  for i in $(seq -w 1 "$COMUNI"); do
    d="$WORK/rete/comuni/comune-$i"
    cp -r "$WORK/one/comuni/valverde" "$d"
    sed -i "s/^nome: \"Valverde\"/nome: \"Comune $i\"/; s|^base_url: .*|base_url: \"https://www.comune-$i.example.it/\"|" "$d/comune.yaml"
    [[ -n $HUGO ]] && cp -r "$WORK/corpus/hugo" "$WORK/hugo/comune-$i"
  done
  touch "$WORK/.done"
fi

secs() { awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(k=1;k<=n;k++) s=s*60+t[k]; print s}' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$1"; }
run() {  # label cmd... -> prints "label seconds rss"
  local label=$1; shift
  local tf; tf=$(mktemp)
  /usr/bin/time -v -o "$tf" "$@" >/dev/null 2>"$WORK/last.err" || { cat "$WORK/last.err" >&2; exit 1; }
  echo "$label $(secs "$tf") $(rss "$tf")"; rm -f "$tf"
}

rm -rf "$OUT/site" "$WORK/rete/.civico-cache"
read -r _ cold cold_rss < <(run cold "$CIVICO" build "$WORK/rete" --out "$OUT/site" --date 2026-11-23)
pages=$(find "$OUT/site" -name '*.html' | wc -l)
size=$(du -sm "$OUT/site" | cut -f1)
read -r _ again _ < <(run again "$CIVICO" build "$WORK/rete" --out "$OUT/site" --date 2026-11-23)
f=$(find "$WORK/rete/comuni/comune-$(printf '%0*d' ${#COMUNI} 1)/notizie" -name '*.md' | sort | head -1)
cp "$f" "$WORK/saved.md"; printf '\nUna riga aggiunta.\n' >> "$f"
read -r _ one _ < <(run one "$CIVICO" build "$WORK/rete" --out "$OUT/site" --date 2026-11-23)
cp "$WORK/saved.md" "$f"
read -r _ nocache _ < <(run nocache "$CIVICO" build "$WORK/rete" --out "$OUT/site" --date 2026-11-23 --no-cache --no-compress)

if [[ -n $HUGO ]]; then
  hugo_all() { ls "$WORK/hugo" | xargs -P 2 -I{} sh -c "cd '$WORK/hugo/{}' && '$HUGO' --quiet -d '$OUT/hugo/{}'"; }
  export -f hugo_all; export WORK HUGO OUT
  rm -rf "$OUT/hugo"
  read -r _ hugo hugo_rss < <(run hugo bash -c hugo_all)
  ratio=$(awk -v h="$hugo" -v c="$cold" 'BEGIN{printf "%.1f", h/c}')
else hugo=NA; hugo_rss=NA; ratio=NA; fi

{
  echo "# Network of $COMUNI comuni x $PAGES pages, $(date -u +%Y-%m-%d)"
  echo
  echo "- host: $(nproc) cores; output on $(df -T "$OUT" | awk 'NR==2{print $2}'); one run each"
  echo "- civico $("$CIVICO" --version | cut -d' ' -f2); ${HUGO:+$("$HUGO" version | cut -d' ' -f1-2), one process per site, 2 in parallel}"
  echo
  echo "| build | seconds | pages/s | peak RSS MB |"
  echo "|---|---:|---:|---:|"
  echo "| civico cold ($pages pages, $size MB with .gz siblings) | $cold | $(awk -v p="$pages" -v s="$cold" 'BEGIN{printf "%.0f", p/s}') | $cold_rss |"
  echo "| civico again, nothing changed | $again | | |"
  echo "| civico after editing one file of one comune | $one | | |"
  echo "| civico --no-cache --no-compress | $nocache | $(awk -v p="$pages" -v s="$nocache" 'BEGIN{printf "%.0f", p/s}') | |"
  echo "| Hugo, $COMUNI sites | $hugo | | $hugo_rss (largest process) |"
  echo
  echo "Hugo / civico (cold): $ratio. Nothing changed: $(awk -v a="$again" -v c="$cold" 'BEGIN{printf "%.1f%%", 100*a/c}') of the cold build."
} | tee "$HERE/results/network-latest.md"
rm -rf "$OUT/site" "$OUT/hugo"
