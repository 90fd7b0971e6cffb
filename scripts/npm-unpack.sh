# Sourced by the scripts that vendor npm packages: `npm_unpack NAME VERSION` downloads the
# package tarball with `npm pack` into a temporary folder (removed on exit) and sets PKG to its
# unpacked `package/` folder. Needs npm and network access to the npm registry.
npm_unpack() {
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  (cd "$WORK" && npm pack --silent "$1@$2" >/dev/null && tar xzf "$1-$2.tgz")
  PKG="$WORK/package"
}
