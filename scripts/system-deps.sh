#!/usr/bin/env bash
# Install the Debian packages tongban needs, only the ones that are missing.
#
#   scripts/system-deps.sh run    CJK TrueType font for PDF guides (fonts-wqy-zenhei)
#   scripts/system-deps.sh test   the font, plus chromium (end-to-end tests) and poppler-utils
#
# `apt-get update` runs only when something has to be installed. Without root it uses sudo when
# there is one. If a package cannot be installed:
#   - the font: warn and go on (PDFs fall back to ReportLab's built-in CID font STSong-Light);
#   - poppler-utils: warn and go on (nice to have for looking at PDFs);
#   - chromium: under CI (the CI variable set) fail, because the end-to-end tests will run and
#     must not skip there; elsewhere warn and go on (the end-to-end tests then skip).
set -euo pipefail

mode="${1:-run}"
ci=0
case "$(printf '%s' "${CI:-}" | tr '[:upper:]' '[:lower:]')" in ''|0|false|no) ;; *) ci=1 ;; esac
case "$mode" in
  run)  required=(); optional=(fonts-wqy-zenhei) ;;
  test) if [[ $ci == 1 ]]; then required=(chromium); optional=(fonts-wqy-zenhei poppler-utils)
        else required=(); optional=(fonts-wqy-zenhei chromium poppler-utils); fi ;;
  *)    echo "usage: $0 [run|test]" >&2; exit 64 ;;
esac

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

apt() {  # apt-get as root, non-interactive, waiting a while for another apt/dpkg to finish
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 "$@"
}

try_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "apt-get not found (not a Debian/Ubuntu system)"; return 1
  fi
  if [[ "${as_root[0]:-}" == "none" ]]; then
    say "not root and no sudo: cannot install packages"; return 1
  fi
  say "installing: ${missing[*]}"
  apt update -qq || say "apt-get update failed; trying to install from the package lists as they are"
  apt install -y -qq "${missing[@]}" && return 0
  # One unavailable package fails the whole batch: try the rest one at a time.
  local pkg
  for pkg in "${missing[@]}"; do
    installed "$pkg" || apt install -y -qq "$pkg" || say "could not install $pkg"
  done
}

try_install || true

status=0
for pkg in "${optional[@]}"; do
  if ! installed "$pkg"; then
    case "$pkg" in
      fonts-wqy-zenhei) say "WARNING: $pkg is not installed; PDF guides will use ReportLab's built-in CID font (STSong-Light). Install it with: apt-get install fonts-wqy-zenhei" ;;
      chromium) say "WARNING: chromium is not installed; the end-to-end browser tests will be SKIPPED (under CI they fail). Install it with: apt-get install chromium" ;;
      *) say "WARNING: optional package $pkg is not installed (apt-get install $pkg)" ;;
    esac
  fi
done
for pkg in "${required[@]}"; do
  if ! installed "$pkg"; then
    say "ERROR: $pkg is required: CI is set, so the end-to-end tests will run and must not skip."
    say "       Install it as root with: apt-get update && apt-get install -y $pkg"
    status=1
  fi
done
exit "$status"
