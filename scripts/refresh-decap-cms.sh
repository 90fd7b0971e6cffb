#!/usr/bin/env bash
# Refreshes the Decap CMS bundle shipped in themes/agid/admin/ from a pinned npm version (no CDN:
# the admin loads only files of the comune's own site).
# Usage: scripts/refresh-decap-cms.sh [VERSION]   (default: the pinned one below)
# Needs npm and network access to the npm registry. Copies the bundle `decap-cms.js`, the chunks
# it loads on demand, its WebAssembly modules and the licence texts; source maps are left out.
set -euo pipefail

VERSION="${1:-3.16.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/themes/agid/admin"
# shellcheck source=scripts/npm-unpack.sh
. "$ROOT/scripts/npm-unpack.sh"
npm_unpack decap-cms "$VERSION"
SRC="$PKG/dist"

rm -rf "$DEST"
mkdir -p "$DEST"
for f in "$SRC"/*decap-cms.js "$SRC"/*.wasm "$SRC"/decap-cms.js.LICENSE.txt; do
  cp "$f" "$DEST/"
done
sed -i 's#//\# sourceMappingURL=.*$##' "$DEST"/*.js
cp "$PKG/LICENSE" "$DEST/LICENSE-decap-cms.txt" 2>/dev/null || true
echo "$VERSION" > "$DEST/VERSION"
echo "Decap CMS $VERSION copied into $DEST ($(du -sh "$DEST" | cut -f1))"
