#!/usr/bin/env bash
# Refreshes the Bootstrap Italia assets shipped in themes/agid/static/ from a pinned npm version.
# Usage: scripts/refresh-bootstrap-italia.sh [VERSION]   (default: the pinned one below)
# Needs npm and network access to the npm registry. What a phone downloads is kept small:
# - JS: only the plugins the theme's pages use, bundled by esbuild from the package's ESM build
#   (plugins/init.js sets window.BOOTSTRAP_ITALIA_VERSION, which AGID's validator reads for
#   C.SI.1.2); add a plugin to PLUGINS when a template starts using it.
# - CSS: the package's minified CSS without the rules no page of the theme can match (PurgeCSS
#   over the templates, the theme's scripts, the JS bundle and the generator's sources, with the
#   HTML elements Markdown produces kept); the `--bootstrap-italia-version` custom property stays.
# - the icon sprite, the woff2 and woff fonts and every licence text.
set -euo pipefail

VERSION="${1:-2.18.3}"
ESBUILD=esbuild@0.28.2
PURGECSS=purgecss@8.0.0
PLUGINS="navbar-collapsible:NavBarCollapsible collapse:Collapse accordion:Accordion modal:Modal navscroll:NavScroll input:Input"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/themes/agid/static/bootstrap-italia"
# The package with its dependencies (the plugins import animejs and uuid).
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm init -y >/dev/null && npm install --silent --no-save --ignore-scripts --no-audit --no-fund "bootstrap-italia@$VERSION")
SRC="$WORK/node_modules/bootstrap-italia"

rm -rf "$DEST"
mkdir -p "$DEST/css" "$DEST/js" "$DEST/svg" "$DEST/fonts"

# JS: init (version, focus tracking) and the plugins, exposed as window.bootstrap.
ENTRY="$WORK/entry.js"
echo "import \"$SRC/dist/plugins/init.js\";" > "$ENTRY"
NAMES=""
for p in $PLUGINS; do
  echo "import ${p#*:} from \"$SRC/dist/plugins/${p%%:*}.js\";" >> "$ENTRY"
  NAMES="$NAMES${p#*:}, "
done
echo "window.bootstrap = Object.assign(window.bootstrap || {}, { ${NAMES%, } });" >> "$ENTRY"
(cd "$WORK" && npx --yes "$ESBUILD" "$ENTRY" --bundle --minify --format=iife --target=es2019 \
  --legal-comments=eof \
  --banner:js="/*! Bootstrap Italia $VERSION (BSD-3-Clause, https://italia.github.io/bootstrap-italia/): init and ${NAMES%, }; with anime.js (MIT, Julian Garnier) and uuid (MIT) */" \
  --outfile="$DEST/js/bootstrap-italia.bundle.min.js")

# CSS: the rules the theme can use.
cat > "$WORK/purgecss.config.cjs" <<CONF
module.exports = {
  content: [
    "$ROOT/themes/agid/templates/**/*.html",
    "$ROOT/themes/agid/static/js/*.js",
    "$DEST/js/bootstrap-italia.bundle.min.js",
    "$ROOT/crates/site/src/**/*.rs",
  ],
  css: ["$SRC/dist/css/bootstrap-italia.min.css"],
  // What Markdown and the sanitiser let editors write, and states set by scripts.
  safelist: {
    standard: ["html", "body", "h1", "h2", "h3", "h4", "h5", "h6", "p", "a", "ul", "ol", "li", "dl", "dt",
      "dd", "blockquote", "pre", "code", "kbd", "em", "strong", "del", "sup", "sub", "hr", "br", "img",
      "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "abbr",
      "details", "summary", "mark", "small", "input", "button", "select", "textarea", "label", "fieldset",
      "legend", "optgroup", "option", "svg", "use", "main", "header", "footer", "nav", "section", "article", "aside", "time",
      "show", "showing", "hiding", "collapsing", "collapsed", "active", "disabled", "fade", "modal-open",
      "modal-backdrop", "modal-static", "expanded", "focus--mouse", "focus--keyboard", "is-sticky",
      "was-validated", "is-invalid", "is-valid", "hidden"],
    // Attribute selectors (keyboard focus rings, aria states) are kept whole: scripts set them.
    greedy: [/^:root$/, /focus/, /aria-/, /data-/],
  },
  variables: false,
  keyframes: false,
  fontFace: true,
};
CONF
(cd "$WORK" && npx --yes "$PURGECSS" --config "$WORK/purgecss.config.cjs" --output "$WORK/purged/")
sed 's#/\*\# sourceMappingURL=[^*]*\*/##' "$WORK/purged/bootstrap-italia.min.css" > "$DEST/css/bootstrap-italia.min.css"
# Every class the full stylesheet defines: the tests measure a page's share of Bootstrap Italia
# classes (criterion C.SI.1.2) against it, not against the purged file.
grep -o '\.[A-Za-z][A-Za-z0-9_-]*' "$SRC/dist/css/bootstrap-italia.min.css" | cut -c2- | LC_ALL=C sort -u \
  > "$ROOT/tests/fixtures/bootstrap-italia-classes.txt"

cp "$SRC/dist/svg/sprites.svg" "$DEST/svg/"
for family in Titillium_Web Lora Roboto_Mono; do
  mkdir -p "$DEST/fonts/$family"
  cp "$SRC/dist/fonts/$family/"*.woff2 "$SRC/dist/fonts/$family/"*.woff "$DEST/fonts/$family/"
  cp "$SRC/dist/fonts/$family/"*.txt "$DEST/fonts/$family/"
done
cp "$SRC/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "Bootstrap Italia $VERSION copied to ${DEST#$ROOT/}"
for f in "$DEST/js/bootstrap-italia.bundle.min.js" "$DEST/css/bootstrap-italia.min.css"; do
  echo "${f#$ROOT/}: $(wc -c < "$f") bytes, $(gzip -9c "$f" | wc -c) gzip"
done
