#!/usr/bin/env bash
# `make package`: smdr-agent_VERSION_ARCH.deb (the release binary with the Swift runtime linked
# in statically, stripped) and smdr-agent-dbgsym_VERSION_ARCH.deb (its debug symbols, by build
# id), in dist/. Needs: swift, dpkg-dev (dpkg-deb, dpkg-shlibdeps), binutils.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=${VERSION:-0.1.0}
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build-static}
ARCH=$(dpkg --print-architecture)
here=Hardware/debian

"$SWIFT" build -c release --product smdr-agent --static-swift-stdlib --scratch-path "$SCRATCH"
bin="$SCRATCH/release/smdr-agent"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
dbg="$work/dbg"

# Files, with Debian's modes (dpkg-deb --root-owner-group makes them root's).
install -D -m 0755 "$bin" "$root/usr/bin/smdr-agent"
install -D -m 0644 "$here/smdr-agent.service" "$root/lib/systemd/system/smdr-agent.service"
install -D -m 0644 "$here/99-smdr-agent.rules" "$root/lib/udev/rules.d/99-smdr-agent.rules"
install -D -m 0644 "$here/smdr-agent.yaml" "$root/etc/smdr-agent/smdr-agent.yaml"
install -D -m 0644 Samples/panasonic/kx-tda-pattern-b-darfo.smdr "$root/usr/share/smdr-agent/Samples/panasonic/kx-tda-pattern-b-darfo.smdr"
install -D -m 0644 Hardware/smdr-agent.yaml "$root/usr/share/doc/smdr-agent/examples/smdr-agent.yaml"
install -D -m 0644 Hardware/99-smdr-agent.rules "$root/usr/share/doc/smdr-agent/examples/99-smdr-agent.rules"
install -D -m 0644 "$here/copyright" "$root/usr/share/doc/smdr-agent/copyright"
install -d -m 0755 "$root/usr/share/man/man1"
gzip -9n < "$here/smdr-agent.1" > "$root/usr/share/man/man1/smdr-agent.1.gz"
chmod 0644 "$root/usr/share/man/man1/smdr-agent.1.gz"
gzip -9n < README.md > "$root/usr/share/doc/smdr-agent/README.md.gz"
printf 'smdr-agent (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- smdr-agent developers <packaging@smdr-agent.example.org>  %s\n' \
    "$VERSION" "$VERSION" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$root/usr/share/doc/smdr-agent/changelog.gz"
chmod 0644 "$root/usr/share/doc/smdr-agent/"*.gz

# Debug symbols apart, by build id; the shipped binary stripped and linked to them.
buildid=$(readelf -n "$bin" | awk '/Build ID:/ { print $3 }')
if [ -n "$buildid" ]; then
    debugfile="$dbg/usr/lib/debug/.build-id/${buildid:0:2}/${buildid:2}.debug"
else
    debugfile="$dbg/usr/lib/debug/usr/bin/smdr-agent.debug"
fi
mkdir -p "$(dirname "$debugfile")"
objcopy --only-keep-debug --compress-debug-sections "$bin" "$debugfile"
chmod 0644 "$debugfile"
strip --strip-unneeded --remove-section=.comment "$root/usr/bin/smdr-agent"
objcopy --add-gnu-debuglink="$debugfile" "$root/usr/bin/smdr-agent"

# The Debian libraries it needs (libc, libudev, libsqlite3…), versioned by dpkg-shlibdeps; libcups,
# opened when the agent first prints (dlopen, not linked), is named by hand.
mkdir -p "$work/src/debian"
printf 'Source: smdr-agent\n\nPackage: smdr-agent\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$root/usr/bin/smdr-agent" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
depends="$depends, libcups2, adduser"

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@DEPENDS@/$depends/" -e "s/@SIZE@/$size/" "$here/control.in" > "$root/DEBIAN/control"
install -m 0644 "$here/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$here/prerm" "$here/postrm" "$root/DEBIAN/"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

mkdir -p "$dbg/DEBIAN" "$dbg/usr/share/doc"
ln -s smdr-agent "$dbg/usr/share/doc/smdr-agent-dbgsym"
cat > "$dbg/DEBIAN/control" <<CONTROL
Package: smdr-agent-dbgsym
Version: $VERSION
Architecture: $ARCH
Maintainer: smdr-agent developers <packaging@smdr-agent.example.org>
Section: debug
Priority: optional
Depends: smdr-agent (= $VERSION)
Description: debug symbols for smdr-agent
 The symbols of /usr/bin/smdr-agent, for gdb and crash reports.
CONTROL
[ -n "$buildid" ] && echo "Build-Ids: $buildid" >> "$dbg/DEBIAN/control"

mkdir -p dist
dpkg-deb --root-owner-group -Zxz --build "$root" "dist/smdr-agent_${VERSION}_${ARCH}.deb" >/dev/null
dpkg-deb --root-owner-group -Zxz --build "$dbg" "dist/smdr-agent-dbgsym_${VERSION}_${ARCH}.deb" >/dev/null
ls -l dist/*"_${VERSION}_${ARCH}.deb"
