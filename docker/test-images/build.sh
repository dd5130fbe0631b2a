#!/usr/bin/env bash
# Builds the images the container plugins' integration tests run, with no registry:
# rootfs tarballs of Debian's busybox-static and caddy binaries, `docker import`ed.
#   pic-test/caddy       the real Caddy 2 (Debian's binary and the libraries ldd lists)
#   pic-test/coredns     a stand-in: PID 1 re-reads its Corefile on SIGUSR1
#   pic-test/wireguard   a stand-in: reports LOG_LEVEL when it starts
#   pic-test/mailserver  a stand-in: reports LOG_LEVEL when it starts
#   pic-test/busybox     a plain shell, for third-party plugin tests
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
busybox="$(command -v busybox)"
caddy="$(command -v caddy)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rootfs() {  # rootfs DIR: a busybox userland
    local dir="$1"
    mkdir -p "$dir"/{bin,etc,tmp,data}
    cp "$busybox" "$dir/bin/busybox"
    for applet in $("$busybox" --list); do
        [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
    echo 'root:x:0:' > "$dir/etc/group"
}

import() {  # import DIR TAG CHANGES...
    local dir="$1" tag="$2"
    shift 2
    local changes=()
    for c in "$@"; do changes+=(--change "$c"); done
    tar -C "$dir" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
    echo "built $tag"
}

rootfs "$work/busybox"
import "$work/busybox" pic-test/busybox 'CMD ["sh"]'

rootfs "$work/caddy"
mkdir -p "$work/caddy/usr/bin" "$work/caddy/etc/caddy"
cp "$caddy" "$work/caddy/usr/bin/caddy"
# The libraries the dynamically linked binary needs, at the paths it was linked with.
for lib in $(ldd "$caddy" | grep -o '/[^ ]*'); do
    mkdir -p "$work/caddy$(dirname "$lib")"
    cp -L "$lib" "$work/caddy$lib"
done
cp "$here/Caddyfile" "$work/caddy/etc/caddy/Caddyfile"
import "$work/caddy" pic-test/caddy 'ENV HOME=/data' 'ENV XDG_CONFIG_HOME=/data' 'ENV XDG_DATA_HOME=/data' \
    'CMD ["/usr/bin/caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]'

for standin in coredns wireguard mailserver; do
    rootfs "$work/$standin"
    cp "$here/$standin.sh" "$work/$standin/$standin.sh"
    import "$work/$standin" "pic-test/$standin" "CMD [\"sh\", \"/$standin.sh\"]"
done
