#!/usr/bin/env bash
# Lighthouse (mobile, performance only) on four pages of an example comune, as AGID's
# criterion C.SI.4.1 measures them, with the site served as a production server would serve
# civico's output (the precompressed .gz siblings, see bench/gzserve.mjs).
# Usage: bench/lighthouse.sh SITE_DIR [RUNS]    e.g. bench/lighthouse.sh public/castelmarino 3
# Needs node and Debian's chromium; installs lighthouse 13 into a temporary folder (npm).
set -euo pipefail
SITE="$(cd "$1" && pwd)"
RUNS="${2:-3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
(cd "$WORK" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund lighthouse@13.5.0)
PORT=18299
node "$HERE/gzserve.mjs" "$SITE" "$PORT" &
SERVER=$!
sleep 1
echo "| page | score (median of $RUNS) | FCP | LCP | TBT | CLS |"
echo "|---|---|---|---|---|---|"
for p in / /servizi/ /servizi/anagrafe-e-stato-civile/carta-identita-elettronica/ /vivere-il-comune/eventi/; do
  for i in $(seq "$RUNS"); do
    CHROME_PATH="${CHROMIUM:-/usr/bin/chromium}" "$WORK/node_modules/.bin/lighthouse" "http://127.0.0.1:$PORT$p" \
      --only-categories=performance --form-factor=mobile --quiet --output=json \
      --output-path="$WORK/r$i.json" --chrome-flags="--headless=new --no-sandbox --disable-gpu"
  done
  python3 - "$p" "$WORK" "$RUNS" <<'PY'
import json, statistics, sys
page, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
rs = [json.load(open(f"{work}/r{i}.json")) for i in range(1, runs + 1)]
rs.sort(key=lambda r: r["categories"]["performance"]["score"])
m = rs[len(rs) // 2]
a = m["audits"]
v = lambda k: a[k]["displayValue"].replace("\xa0", " ")
print(f"| {page} | {m['categories']['performance']['score']:.2f} | {v('first-contentful-paint')} | "
      f"{v('largest-contentful-paint')} | {v('total-blocking-time')} | {v('cumulative-layout-shift')} |")
PY
done
