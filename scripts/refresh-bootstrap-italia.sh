#!/usr/bin/env bash
# Refreshes the Bootstrap Italia assets shipped in themes/agid/static/ from a pinned npm version.
# Usage: scripts/refresh-bootstrap-italia.sh [VERSION]   (default: the pinned one below)
# Needs npm and network access to the npm registry. Only the files the theme uses are copied:
# the minified CSS, the bundled JS (it sets window.BOOTSTRAP_ITALIA_VERSION, read by AGID's
# validator), the icon sprite, the woff2 and woff fonts and every licence text.
set -euo pipefail

VERSION="${1:-2.18.3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/themes/agid/static/bootstrap-italia"
# shellcheck source=scripts/npm-unpack.sh
. "$ROOT/scripts/npm-unpack.sh"
npm_unpack bootstrap-italia "$VERSION"
SRC="$PKG"

rm -rf "$DEST"
mkdir -p "$DEST/css" "$DEST/js" "$DEST/svg" "$DEST/fonts"
cp "$SRC/dist/css/bootstrap-italia.min.css" "$DEST/css/"
# Drop the sourceMappingURL comment: the map is not shipped, and a dangling one makes
# browsers' developer tools request a missing file.
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$DEST/css/bootstrap-italia.min.css"
cp "$SRC/dist/js/bootstrap-italia.bundle.min.js" "$DEST/js/"
sed -i 's#//\# sourceMappingURL=.*$##' "$DEST/js/bootstrap-italia.bundle.min.js"
cp "$SRC/dist/svg/sprites.svg" "$DEST/svg/"
for family in Titillium_Web Lora Roboto_Mono; do
  mkdir -p "$DEST/fonts/$family"
  cp "$SRC/dist/fonts/$family/"*.woff2 "$SRC/dist/fonts/$family/"*.woff "$DEST/fonts/$family/"
  cp "$SRC/dist/fonts/$family/"*.txt "$DEST/fonts/$family/"
done
cp "$SRC/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "Bootstrap Italia $VERSION copied to ${DEST#$ROOT/}"
du -sh "$DEST"
