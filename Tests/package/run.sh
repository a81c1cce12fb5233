#!/usr/bin/env bash
# The Debian package as an installer meets it: installed with dpkg -i on this machine (CI runs
# as root), its files, user, unit and rules checked, the binary run from /usr/bin with no Swift
# toolchain around, the configuration kept across a reinstall, then removed and purged as Debian
# policy says. Needs root (skipped with a message otherwise) and dist/ from `make package`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then echo "package test: skipped (needs root for dpkg -i)"; exit 0; fi
deb=$(ls -t dist/smdr-agent_*_"$(dpkg --print-architecture)".deb | head -1)
fail() { echo "package test: FAIL: $*"; exit 1; }
ok() { echo "package test: ok: $*"; }

# A clean start: no earlier install, no data directory of a former run.
dpkg --purge smdr-agent >/dev/null 2>&1 || true
rm -rf /var/lib/smdr-agent /etc/smdr-agent

dpkg -i "$deb" >/tmp/smdr-package-install.log 2>&1 || { cat /tmp/smdr-package-install.log; fail "dpkg -i"; }
ok "installed $(dpkg-query -W -f='${Package} ${Version}' smdr-agent)"

for f in /usr/bin/smdr-agent /lib/systemd/system/smdr-agent.service /lib/udev/rules.d/99-smdr-agent.rules \
         /etc/smdr-agent/smdr-agent.yaml /usr/share/doc/smdr-agent/copyright /usr/share/smdr-agent/Samples/panasonic/kx-tda-pattern-b-darfo.smdr; do
    [ -e "$f" ] || fail "missing $f"
done
ok "files in place"
dpkg-query -W -f='${Conffiles}\n' smdr-agent | grep -q '/etc/smdr-agent/smdr-agent.yaml' || fail "the configuration is not a conffile"

getent passwd smdr >/dev/null || fail "no user smdr"
groups=$(id -nG smdr)
echo " $groups " | grep -q " dialout " || fail "smdr is not in dialout ($groups)"
for admin in sudo adm root wheel disk; do echo " $groups " | grep -q " $admin " && fail "smdr is in $admin"; done
[ "$(stat -c %U:%a /var/lib/smdr-agent)" = "smdr:750" ] || fail "/var/lib/smdr-agent is $(stat -c %U:%a /var/lib/smdr-agent)"
ok "user smdr in groups: $groups; /var/lib/smdr-agent smdr 0750"

systemd-analyze verify /lib/systemd/system/smdr-agent.service || fail "systemd-analyze verify"
[ -L /etc/systemd/system/multi-user.target.wants/smdr-agent.service ] || fail "the unit is not enabled"
ok "unit verified and enabled"

# No Swift toolchain: a bare environment, and no libswift* among the libraries it loads.
env -i PATH=/usr/bin:/bin /usr/bin/smdr-agent --help >/dev/null || fail "smdr-agent --help from /usr/bin"
if ldd /usr/bin/smdr-agent | grep -E 'libswift|libFoundation|/opt/swift'; then fail "linked to the Swift toolchain"; fi
ok "smdr-agent --help runs with no Swift toolchain ($(du -h /usr/bin/smdr-agent | cut -f1) stripped)"
env -i PATH=/usr/bin:/bin /usr/bin/smdr-agent config check /etc/smdr-agent/smdr-agent.yaml >/dev/null || fail "the shipped configuration does not check"
ok "the shipped configuration checks"
setup_dir=$(mktemp -d)
cp /etc/smdr-agent/smdr-agent.yaml "$setup_dir/smdr-agent.yaml"
env -i PATH=/usr/bin:/bin /usr/bin/smdr-agent setup --yes --no-start --no-udev --config "$setup_dir/smdr-agent.yaml" --port /dev/ptmx \
    --replay "$PWD/Samples/avaya-ipoffice/kb-examples.smdr" --timezone Europe/Paris > "$setup_dir/out" 2>&1 || { cat "$setup_dir/out"; fail "smdr-agent setup on the shipped configuration"; }
grep -q "format: avaya-ipo" "$setup_dir/smdr-agent.yaml" && grep -q "data_dir: /var/lib/smdr-agent" "$setup_dir/smdr-agent.yaml" || fail "setup did not write the source"
env -i PATH=/usr/bin:/bin /usr/bin/smdr-agent config check "$setup_dir/smdr-agent.yaml" >/dev/null || fail "the configuration setup wrote does not check"
rm -rf "$setup_dir"
ok "smdr-agent setup writes a source into the shipped configuration, and it checks"

# An upgrade (the same package again) keeps a changed configuration.
echo "# site change" >> /etc/smdr-agent/smdr-agent.yaml
dpkg -i "$deb" >/dev/null 2>&1 || fail "reinstall"
grep -q "# site change" /etc/smdr-agent/smdr-agent.yaml || fail "the site's configuration was replaced"
ok "a reinstall keeps the site's configuration"

# Remove keeps configuration and data; purge removes configuration and user, and data only when asked.
mkdir -p /var/lib/smdr-agent/journal && touch /var/lib/smdr-agent/smdr.sqlite
dpkg -r smdr-agent >/dev/null || fail "dpkg -r"
[ ! -e /usr/bin/smdr-agent ] || fail "the binary stayed after remove"
[ -e /etc/smdr-agent/smdr-agent.yaml ] || fail "remove took the configuration"
[ -e /var/lib/smdr-agent/smdr.sqlite ] || fail "remove took the data"
ok "remove: binary gone, configuration and data kept"
dpkg --purge smdr-agent >/dev/null || fail "dpkg --purge"
[ ! -e /etc/smdr-agent ] || fail "purge left /etc/smdr-agent"
getent passwd smdr >/dev/null && fail "purge left the user smdr"
[ -e /var/lib/smdr-agent/smdr.sqlite ] || fail "purge took the call data without being asked"
ok "purge: configuration and user gone, call data kept (SMDR_AGENT_PURGE_DATA=yes removes it)"
rm -rf /var/lib/smdr-agent

if command -v lintian >/dev/null; then
    tags=$(lintian --tag-display-limit 0 "$deb" 2>/dev/null | awk '/^[EWIPX]: / {print $3}' | sort -u | grep -v -x -f Hardware/debian/lintian-explained || true)
    [ -z "$tags" ] || fail "lintian tags not explained in the README: $tags"
    ok "lintian: only the tags the README explains"
fi
echo "package test: PASS"
