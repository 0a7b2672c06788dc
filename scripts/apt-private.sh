# Sourced by scripts/mingw-deps.sh and scripts/arm-sysroot.sh: a private apt state in $APT_DIR
# (its own sources list, lists, cache and an empty dpkg status), so that Debian's packages for
# another architecture, or its source packages, can be fetched without changing the system's
# apt sources or dpkg architectures (no `dpkg --add-architecture`).
#   apt_private DIR "SOURCES LINES"   then   apt_p ARGS...  (apt-get with that state)
apt_private() {
  APT_DIR=$1
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
  : >"$APT_DIR/status"
  printf '%s\n' "$2" >"$APT_DIR/sources.list"
}
apt_p() {
  apt-get -o Dir::State::Lists="$APT_DIR/lists" -o Dir::State::Status="$APT_DIR/status" \
    -o Dir::Cache="$APT_DIR/cache" -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
    -o Dir::Etc::SourceParts=/nonexistent -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}
# The Debian release this machine runs (bookworm): the same versions as its own packages.
apt_suite() {
  . /etc/os-release 2>/dev/null
  echo "${VERSION_CODENAME:-bookworm}"
}
APT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT_MIRROR=${BLR_DEBIAN_MIRROR:-http://deb.debian.org}
