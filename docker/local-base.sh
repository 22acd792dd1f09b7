#!/usr/bin/env bash
# A local stand-in for the python:3.11-slim base image, for a machine that reaches Debian's
# package mirror but no image registry.  It debootstraps a minimal Debian 12 (bookworm) with
# its python3 (3.11.2) and venv module, and imports it into the local docker engine:
#   docker/local-base.sh                      # as root; tags localbase/python:3.11-slim
#   docker build --build-arg BASE_IMAGE=localbase/python:3.11-slim -t policy-bot .
# Needs root, debootstrap and a running dockerd.  DEBIAN_MIRROR overrides the mirror.
# Certificate authorities this host added in /usr/local/share/ca-certificates (a proxy that
# inspects TLS, say) are trusted in the image too, pip included (/etc/pip.conf), so that
# `pip install` in the build reaches PyPI the way it does on the host.
# Like the official image it sets PATH, LANG=C.UTF-8 and CMD python3; unlike it, `python` and
# `pip` are not on PATH and pip is not installed (the Dockerfile uses a venv and needs neither).
set -euo pipefail

tag="${1:-localbase/python:3.11-slim}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

rootfs="$(mktemp -d /var/tmp/local-base.XXXXXX)"
# --one-file-system: never follow a /proc or /sys that a failed debootstrap left mounted.
trap 'rm -rf --one-file-system "$rootfs"' EXIT
chmod 755 "$rootfs"  # it becomes the image's /: mktemp's 700 would lock every non-root user out

debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$mirror"
if compgen -G "/usr/local/share/ca-certificates/*.crt" > /dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates
fi
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$rootfs/etc/pip.conf"
chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log

tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$tag"
docker run --rm "$tag" python3 -c 'import sys, venv; print(sys.version)'
