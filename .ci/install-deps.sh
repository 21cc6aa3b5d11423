#!/bin/sh
# Installs the system packages the tests need, when missing: redis-server (token store tests start a real
# one) and openssl (tests generate certificates). Debian/Ubuntu only; needs root or sudo.
set -eu

missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing:$missing; install them with your package manager (no apt-get here)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: missing:$missing; run as root to install them" >&2
    exit 1
  fi
fi
echo "install-deps: installing$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086 # the package list is meant to split into words
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
