#!/usr/bin/env bash
# Refreshes the ALTCHA widget (proof-of-work, self-hosted, no cookies) shipped in
# themes/agid/static/vendor/altcha/ from a pinned npm version. The booking and reporting pages
# load it from the comune's own site; `civico sportello` issues and verifies the challenges
# with the official `altcha` crate.
# Usage: scripts/refresh-altcha.sh [VERSION]   (default: the pinned one below)
set -euo pipefail

VERSION="${1:-3.2.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/themes/agid/static/vendor/altcha"
# shellcheck source=scripts/npm-unpack.sh
. "$ROOT/scripts/npm-unpack.sh"
npm_unpack altcha "$VERSION"

rm -rf "$DEST"
mkdir -p "$DEST"
# The bundle with its translations (Italian), workers and styles inlined.
cp "$PKG/dist/main/altcha.i18n.min.js" "$DEST/altcha.js"
sed -i 's#//\# sourceMappingURL=.*$##' "$DEST/altcha.js"
cp "$PKG/LICENSE.txt" "$DEST/LICENSE-altcha.txt"
echo "$VERSION" > "$DEST/VERSION"
echo "ALTCHA $VERSION copied into $DEST ($(du -sh "$DEST" | cut -f1))"
