#!/usr/bin/env bash
# Refresh minirnn/read/static/katex/ from npm: the KaTeX that `minirnn read` ships, so the reading
# page typesets its math with no network. Only what the page needs: katex.min.js, katex.min.css
# (its font list cut to woff2, which every current browser reads) and the woff2 fonts, with KaTeX's
# LICENSE and the version in VERSION.
#     scripts/vendor_katex.sh 0.19.1
set -euo pipefail
version="${1:?usage: scripts/vendor_katex.sh VERSION}"
dest="$(cd "$(dirname "$0")/.." && pwd)/minirnn/read/static/katex"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "katex@$version" >/dev/null && tar xzf "katex-$version.tgz")
rm -rf "$dest" && mkdir -p "$dest/fonts"
cp "$work/package/dist/katex.min.js" "$work/package/LICENSE" "$dest/"
cp "$work/package/dist/fonts/"*.woff2 "$dest/fonts/"
# url(a.woff2) format("woff2"),url(a.woff) format("woff"),url(a.ttf) format("truetype") -> the woff2 alone
sed -E 's/,url\(fonts\/[A-Za-z0-9_-]+\.(woff|ttf)\) format\("(woff|truetype)"\)//g' \
    "$work/package/dist/katex.min.css" > "$dest/katex.min.css"
if grep -qE '\.(woff|ttf)\)' "$dest/katex.min.css"; then
    echo "katex.min.css still names a woff or ttf font; the sed above needs updating" >&2
    exit 1
fi
echo "$version" > "$dest/VERSION"
echo "KaTeX $version -> $dest ($(du -sh "$dest" | cut -f1))"
