#!/usr/bin/env bash
# Install the Debian packages tongban needs, only the ones that are missing.
#
#   scripts/system-deps.sh run    CJK TrueType font for PDF guides (fonts-wqy-zenhei)
#   scripts/system-deps.sh test   the font, plus chromium (end-to-end tests) and poppler-utils
#
# `apt-get update` runs only when something has to be installed. Without root it uses sudo when
# there is one. If the packages cannot be installed:
#   - the font is optional (PDFs fall back to ReportLab's built-in CID font): warn and go on;
#   - poppler-utils is optional: warn and go on;
#   - chromium is required for `test`, because the end-to-end tests need it: fail.
#     Set TONGBAN_SKIP_E2E=1 to accept running without it (the e2e tests then skip, except
#     under CI, where they fail rather than skip).
set -euo pipefail

mode="${1:-run}"
case "$mode" in
  run)  required=(); optional=(fonts-wqy-zenhei) ;;
  test) required=(chromium); optional=(fonts-wqy-zenhei poppler-utils) ;;
  *)    echo "usage: $0 [run|test]" >&2; exit 64 ;;
esac
if [[ "${TONGBAN_SKIP_E2E:-0}" == "1" ]]; then
  optional+=("${required[@]}"); required=()
fi

say() { printf 'system-deps: %s\n' "$*" >&2; }

installed() {  # is the Debian package $1 installed?
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

missing=()
for pkg in "${required[@]}" "${optional[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
    [[ -t 0 ]] && as_root=(sudo)  # may ask for a password only when someone can type it
  else
    as_root=(none)
  fi
fi

try_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get not found (not a Debian/Ubuntu system)"; return 1
  fi
  if [[ "${as_root[0]:-}" == "none" ]]; then
    say "not root and no sudo: cannot install packages"; return 1
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" || return 1
}

if ! try_install; then
  # A failed batch may still have installed some; judge each package on its own.
  say "could not install all of: ${missing[*]}"
fi

status=0
for pkg in "${optional[@]}"; do
  if ! installed "$pkg"; then
    case "$pkg" in
      fonts-wqy-zenhei) say "WARNING: $pkg is not installed; PDF guides will use ReportLab's built-in CID font (STSong-Light). Install it with: apt-get install fonts-wqy-zenhei" ;;
      *) say "WARNING: optional package $pkg is not installed (apt-get install $pkg)" ;;
    esac
  fi
done
for pkg in "${required[@]}"; do
  if ! installed "$pkg"; then
    say "ERROR: $pkg is required for the end-to-end tests and is not installed."
    say "       Install it as root with: apt-get update && apt-get install -y chromium"
    say "       or run without browser tests: TONGBAN_SKIP_E2E=1 make test (not allowed in CI)"
    status=1
  fi
done
exit "$status"
