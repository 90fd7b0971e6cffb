#!/usr/bin/env bash
# Benchmark: civico against Hugo on the same synthetic corpus (needs ../shared/bench beside the repo).
#
# Usage: bench/run.sh [-n "1000 10000"] [-r 3] [-O /dev/shm/civico-bench] [-H 10000]
# For each size: generate the corpus with ../shared/bench/gen-content.py, adapt its `neutral`
# flavour into a civico network (bench/adapt-neutral.py), then build it R times with civico
# (release) and with Hugo (`apt-get install hugo`; skipped if missing) under /usr/bin/time -v,
# from a clean output folder each time, then `civico check` end to end (sources, every page
# rendered in memory and checked). Prints and writes bench/results/latest.md (medians).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); REPO=$(dirname "$HERE")
SHARED=${SHARED:-$REPO/../shared}
# -H: the largest corpus Hugo is run on (at 50,000 pages it needs about 8 GB and 90 s).
SIZES="1000 10000"; RUNS=3; OUT=/dev/shm/civico-bench; HUGO_MAX=10000
while getopts "n:r:O:H:" o; do case $o in n) SIZES=$OPTARG ;; r) RUNS=$OPTARG ;; O) OUT=$OPTARG ;; H) HUGO_MAX=$OPTARG ;; *) sed -n 2,9p "$0"; exit 2 ;; esac; done
WORK=${TMPDIR:-/tmp}/civico-bench; mkdir -p "$WORK" "$OUT" "$HERE/results"
(cd "$REPO" && cargo build --release --quiet)
CIVICO=${CARGO_TARGET_DIR:-$REPO/target}/release/civico
HUGO=$(command -v hugo || true)

median() { sort -g | awk '{a[NR]=$1} END{if(NR%2){print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }
measure() {  # name pages cmd...  -> "wall rss_mb"
  shift 2
  local walls=() rss=()
  for ((i = 1; i <= RUNS; i++)); do
    rm -rf "$OUT/site"
    local tf; tf=$(mktemp)
    /usr/bin/time -v -o "$tf" "${@}" >/dev/null 2>"$WORK/last.err" || { cat "$WORK/last.err" >&2; return 1; }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(k=1;k<=n;k++) s=s*60+t[k]; print s}' "$tf")")
    rss+=("$(awk -F': ' '/Maximum resident set size/{print $2/1024}' "$tf")")
    rm -f "$tf"
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${rss[@]}" | median)"
}

{
  echo "# civico vs Hugo, $(date -u +%Y-%m-%d)"
  echo
  echo "- host: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); output on $(df -T "$OUT" | awk 'NR==2{print $2}'); median of $RUNS runs"
  echo "- civico $("$CIVICO" --version | cut -d' ' -f2); ${HUGO:+$("$HUGO" version | cut -d' ' -f1-2)}"
  echo
  echo "civico writes .gz siblings of every page and .gz/.br of theme assets by default (Hugo writes none);"
  echo "the second civico column is the same build with --no-compress. Hugo / civico compares with the default."
  echo
  echo "| pages (corpus) | civico s | civico --no-compress s | civico pages/s | civico RSS MB | Hugo s | Hugo RSS MB | Hugo / civico | check s | check pages/s | check RSS MB |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$HERE/results/latest.md"

for N in $SIZES; do
  C=$WORK/c$N
  if [[ ! -f $C/.done ]]; then
    rm -rf "$C"; python3 "$SHARED/bench/gen-content.py" --pages "$N" --out "$C" --flavors hugo,neutral >/dev/null
    python3 "$HERE/adapt-neutral.py" "$C/neutral" "$C/civico"; touch "$C/.done"
  fi
  read -r cw cr < <(measure civico "$N" "$CIVICO" build "$C/civico" --out "$OUT/site" --date 2026-11-23)
  pages=$(find "$OUT/site" -name '*.html' | wc -l)
  read -r nw _ < <(measure civico "$N" "$CIVICO" build "$C/civico" --out "$OUT/site" --date 2026-11-23 --no-compress)
  if [[ -n $HUGO && $N -le $HUGO_MAX && -d $C/hugo ]]; then
    read -r hw hr < <(cd "$C/hugo" && measure hugo "$N" "$HUGO" --quiet -d "$OUT/site")
    ratio=$(awk -v h="$hw" -v c="$cw" 'BEGIN{printf "%.1f", h/c}')
  else hw=NA; hr=NA; ratio=NA; fi
  # `check` exits 1 when it finds errors (the synthetic corpus has some): that is not a failure here.
  read -r kw kr < <(measure check "$N" sh -c '"$0" check "$1" --date 2026-11-23 --format json -o /dev/null || [ $? -eq 1 ]' "$CIVICO" "$C/civico")
  awk -v n="$N" -v cw="$cw" -v nw="$nw" -v cr="$cr" -v p="$pages" -v hw="$hw" -v hr="$hr" -v r="$ratio" -v kw="$kw" -v kr="$kr" \
    'BEGIN{printf "| %d (%d html) | %.2f | %.2f | %.0f | %.0f | %s | %s | %s | %.2f | %.0f | %.0f |\n", n, p, cw, nw, p/cw, cr, hw, (hr=="NA"?hr:sprintf("%.0f",hr)), r, kw, p/kw, kr}' >> "$HERE/results/latest.md"
done
rm -rf "$OUT/site"
cat "$HERE/results/latest.md"
