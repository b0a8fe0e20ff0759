#!/usr/bin/env bash
# npm run build:linux: the Linux guest's images, from Debian bookworm's packages, into build/linux/:
#   vmlinuz        the i386 kernel (linux-image-*-686)
#   initramfs.cpio busybox-static, uio.ko and uio_pci_generic.ko from that kernel, ivshmem-uio
#                  (linux/ivshmem-uio.c, compiled here for i386) and linux/init
#   bios.bin, vgabios.bin  SeaBIOS (seabios, and its stdvga BIOS)
# The i386 packages are downloaded with a private apt state (its own lists and cache under
# build/linux/.apt, architecture i386 for these commands only), so the machine's apt
# configuration, architectures and installed packages stay as they were; only cpio and gcc are
# installed if they are missing, waiting for apt's lock and retrying as test/qemu/install.ts does for QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/linux
work=$out/.apt
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"

apt_retry() {
  for attempt in 1 2 3; do
    if timeout 600 "$@"; then return 0; fi
    echo "build:linux: '$*' failed (attempt $attempt), retrying in 20 s"
    sleep 20
  done
  return 1
}

# The tools this script runs (gcc compiles for i386 with -m32 alone: no C library is linked).
missing=()
for tool in cpio gcc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "build:linux: ${missing[*]} missing and this is not root: install ${missing[*]}"; exit 1; }
  apt_retry apt-get -o DPkg::Lock::Timeout=300 update
  DEBIAN_FRONTEND=noninteractive apt_retry apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
fi

private=(-o "Dir::State::Lists=$PWD/$work/lists" -o "Dir::Cache=$PWD/$work/cache" -o Dir::State::status=/dev/null
  -o APT::Architecture=i386 -o APT::Architectures::=i386 -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt_retry apt-get "${private[@]}" update
kernel=$(apt-cache "${private[@]}" depends linux-image-686 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-686\)$/\1/p' | head -1)
[ -n "$kernel" ] || { echo "build:linux: no linux-image-*-686 behind linux-image-686"; exit 1; }
(cd "$work/debs" && rm -f ./*.deb && apt_retry apt-get "${private[@]}" download "$kernel" busybox-static seabios)

root=$work/root
rm -rf "$root" "$work/x"
mkdir -p "$work/x" "$root"/{bin,lib,proc,sys,dev}
ln -s busybox "$root/bin/sh"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
release=${kernel#linux-image-}
cp "$work/x/boot/vmlinuz-$release" "$out/vmlinuz"
cp "$work/x/usr/share/seabios/bios.bin" "$out/bios.bin"
cp "$work/x/usr/share/seabios/vgabios-stdvga.bin" "$out/vgabios.bin"
cp "$work/x/bin/busybox" "$root/bin/busybox"
for module in uio uio_pci_generic; do
  cp "$work/x/lib/modules/$release/kernel/drivers/uio/$module.ko" "$root/lib/"
done
# No C library for i386 is needed: the tool makes its own system calls.
gcc -m32 -static -nostdlib -ffreestanding -fno-pic -no-pie -fno-stack-protector -fno-builtin -O2 -Wall -Wextra \
  -o "$root/bin/ivshmem-uio" linux/ivshmem-uio.c
cp linux/init "$root/init"
chmod 755 "$root/init" "$root/bin/busybox" "$root/bin/ivshmem-uio"
# Uncompressed: the emulated CPU would spend seconds inflating it.
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0) > "$out/initramfs.cpio"
echo "$release" > "$out/release"
rm -rf "$root" "$work/x"
ls -l "$out"
