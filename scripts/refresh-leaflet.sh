#!/usr/bin/env bash
# Refreshes Leaflet (BSD-2-Clause), the map of the segnalazione pages, shipped in
# themes/agid/static/vendor/leaflet/ from a pinned npm version: the citizen points at the place
# of a disservizio and the public list shows where they are. Served by the comune's own site;
# only the map tiles come from the tile server of sportello.yaml, and only once the citizen
# opens the map.
# Usage: scripts/refresh-leaflet.sh [VERSION]   (default: the pinned one below)
set -euo pipefail

VERSION="${1:-1.9.4}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/themes/agid/static/vendor/leaflet"
# shellcheck source=scripts/npm-unpack.sh
. "$ROOT/scripts/npm-unpack.sh"
npm_unpack leaflet "$VERSION"

rm -rf "$DEST"
mkdir -p "$DEST/images"
cp "$PKG/dist/leaflet.js" "$PKG/dist/leaflet.css" "$DEST/"
sed -i 's#//\# sourceMappingURL=.*$##' "$DEST/leaflet.js"
cp "$PKG"/dist/images/*.png "$DEST/images/"
cp "$PKG/LICENSE" "$DEST/LICENSE-leaflet.txt"
echo "$VERSION" > "$DEST/VERSION"
echo "Leaflet $VERSION copied into $DEST ($(du -sh "$DEST" | cut -f1))"
