#!/usr/bin/env bash
# Benchmark: civico against Hugo and Zola on the same synthetic corpus (needs ../shared/bench beside
# the repo).
#
# Usage: bench/run.sh [-n "1000 10000"] [-r 3] [-O /dev/shm/civico-bench] [-H 10000]
# For each size: generate the corpus with ../shared/bench/gen-content.py, adapt its `neutral`
# flavour into a civico network (bench/adapt-neutral.py), then build it R times with civico
# (release), with Hugo (`apt-get install hugo`; skipped if missing), with Zola (`zola` on PATH or
# ZOLA_BIN; its `config-notax.toml`, the flavour without taxonomy pages, as civico has none) and
# with the floor (MD_FLOOR_BIN: ../shared/bench/md-floor built) under /usr/bin/time -v, from a
# clean output folder each time, then `civico check` end to end (sources, every page rendered in
# memory and checked). Prints and writes bench/results/latest.md (medians; CPU = user + system).
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
ZOLA=${ZOLA_BIN:-$(command -v zola || true)}
FLOOR=${MD_FLOOR_BIN:-}

median() { sort -g | awk '{a[NR]=$1} END{if(NR%2){print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }
measure() {  # name pages cmd...  -> "wall rss_mb cpu"
  shift 2
  local walls=() rss=() cpus=()
  for ((i = 1; i <= RUNS; i++)); do
    rm -rf "$OUT/site"
    local tf; tf=$(mktemp)
    /usr/bin/time -v -o "$tf" "${@}" >/dev/null 2>"$WORK/last.err" || { cat "$WORK/last.err" >&2; return 1; }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); s=0; for(k=1;k<=n;k++) s=s*60+t[k]; print s}' "$tf")")
    rss+=("$(awk -F': ' '/Maximum resident set size/{print $2/1024}' "$tf")")
    cpus+=("$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$tf")")
    rm -f "$tf"
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${rss[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}

{
  echo "# civico vs Hugo and Zola, $(date -u +%Y-%m-%d)"
  echo
  echo "- host: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); output on $(df -T "$OUT" | awk 'NR==2{print $2}'); median of $RUNS runs"
  echo "- civico $("$CIVICO" --version | cut -d' ' -f2); ${HUGO:+$("$HUGO" version | cut -d' ' -f1-2)}; ${ZOLA:+$("$ZOLA" --version)}"
  echo
  echo "civico writes .gz siblings of every page and .gz/.br of theme assets by default (Hugo writes none);"
  echo "the second civico column is the same build with --no-compress. Hugo / civico and Zola / civico compare with the default."
  echo
  echo "| pages (corpus) | civico s | civico CPU s | civico --no-compress s | civico --no-compress CPU s | civico RSS MB | Hugo s | Hugo / civico | Zola s | Zola CPU s | Zola RSS MB | Zola / civico | floor s | check s | check pages/s |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$HERE/results/latest.md"

for N in $SIZES; do
  C=$WORK/c$N
  if [[ ! -f $C/.done ]]; then
    rm -rf "$C"; python3 "$SHARED/bench/gen-content.py" --pages "$N" --out "$C" --flavors hugo,neutral >/dev/null
    python3 "$HERE/adapt-neutral.py" "$C/neutral" "$C/civico"; touch "$C/.done"
  fi
  # The same bodies in Zola's layout (a corpus made before Zola was measured lacks it).
  [[ -n $ZOLA && ! -d $C/zola ]] && python3 "$SHARED/bench/gen-content.py" --pages "$N" --out "$C" --flavors zola >/dev/null
  read -r cw cr cc < <(measure civico "$N" "$CIVICO" build "$C/civico" --out "$OUT/site" --date 2026-11-23)
  pages=$(find "$OUT/site" -name '*.html' | wc -l)
  read -r nw _ nc < <(measure civico "$N" "$CIVICO" build "$C/civico" --out "$OUT/site" --date 2026-11-23 --no-compress)
  if [[ -n $HUGO && $N -le $HUGO_MAX && -d $C/hugo ]]; then
    read -r hw _ _ < <(cd "$C/hugo" && measure hugo "$N" "$HUGO" --quiet -d "$OUT/site")
    ratio=$(awk -v h="$hw" -v c="$cw" 'BEGIN{printf "%.1f", h/c}')
  else hw=NA; ratio=NA; fi
  if [[ -n $ZOLA && -d $C/zola ]]; then
    read -r zw zr zc < <(cd "$C/zola" && measure zola "$N" "$ZOLA" --config config-notax.toml build -o "$OUT/site")
    zratio=$(awk -v z="$zw" -v c="$cw" 'BEGIN{printf "%.1f", z/c}')
  else zw=NA; zr=NA; zc=NA; zratio=NA; fi
  if [[ -n $FLOOR ]]; then
    read -r fw _ _ < <(measure floor "$N" "$FLOOR" "$C/neutral/content" "$OUT/site")
  else fw=NA; fi
  # `check` exits 1 when it finds errors (the synthetic corpus has some): that is not a failure here.
  read -r kw _ _ < <(measure check "$N" sh -c '"$0" check "$1" --date 2026-11-23 --format json -o /dev/null || [ $? -eq 1 ]' "$CIVICO" "$C/civico")
  printf '| %d (%d html) | %.2f | %.2f | %.2f | %.2f | %.0f | %s | %s | %s | %s | %s | %s | %s | %.2f | %.0f |\n' \
    "$N" "$pages" "$cw" "$cc" "$nw" "$nc" "$cr" "$hw" "$ratio" "$zw" "$zc" "$zr" "$zratio" "$fw" "$kw" \
    "$(awk -v p="$pages" -v k="$kw" 'BEGIN{print p/k}')" >> "$HERE/results/latest.md"
done
rm -rf "$OUT/site"
cat "$HERE/results/latest.md"
