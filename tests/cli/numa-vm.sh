#!/bin/sh
# numa-vm.sh: real binding and NUMA memory placement on a machine with 2
# NUMA nodes: tests/numa-probe runs in a small qemu guest (TCG, no KVM
# needed) with 2 packages x 2 cores and one NUMA node per package.  The
# guest's TAP output is this test's output.
#
# Needs qemu-system-x86_64, busybox, cpio-capable busybox and a Linux
# kernel image: $DMLHOG_VM_KERNEL, else one cached from an earlier run, else
# the Debian linux-image-amd64 package fetched with `apt-get download` (no
# root needed; nothing is installed).  Without them it skips, saying why.
# DMLHOG_VM_TIMEOUT bounds the guest's run (seconds, default 300).

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

[ -n "${top_builddir:-}" ] || skip_all "top_builddir must be set (run through make check)"
PROBE="$top_builddir/tests/numa-probe"
[ -x "$PROBE" ] || skip_all "$PROBE not built"
[ "$(uname -m)" = x86_64 ] || skip_all "the guest recipe is for x86_64 hosts"
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip_all "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
BUSYBOX=$(command -v busybox 2>/dev/null) || skip_all "busybox not installed (apt-get install busybox-static)"
busybox cpio --help >/dev/null 2>&1 || skip_all "busybox has no cpio applet"

W=$(mktemp -d -t dmlhog-vm.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
trap 'exit 1' INT TERM HUP

# The kernel: given, cached, or downloaded (and cached when $HOME allows).
cache=
if [ -n "${HOME:-}" ] && mkdir -p "${XDG_CACHE_HOME:-$HOME/.cache}/dmlhog" 2>/dev/null; then
	cache="${XDG_CACHE_HOME:-$HOME/.cache}/dmlhog"
fi
find_kernel() {
	if [ -n "${DMLHOG_VM_KERNEL:-}" ]; then
		[ -r "$DMLHOG_VM_KERNEL" ] && echo "$DMLHOG_VM_KERNEL"
		return
	fi
	command -v apt-cache >/dev/null 2>&1 || return
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || return
	if [ -n "$cache" ] && [ -r "$cache/vmlinuz-$pkg" ]; then
		echo "$cache/vmlinuz-$pkg"
		return
	fi
	(cd "$W" && timeout 300 apt-get download -q "$pkg" >/dev/null 2>&1) || return
	mkdir -p "$W/k" && dpkg-deb -x "$W"/*.deb "$W/k" 2>/dev/null || return
	k=$(ls "$W"/k/boot/vmlinuz-* 2>/dev/null | head -n 1)
	[ -n "$k" ] || return
	rm -rf "$W"/*.deb
	# a private temporary name: two builds may download at the same time
	if [ -n "$cache" ] && cp "$k" "$cache/vmlinuz-$pkg.$$" 2>/dev/null; then
		mv "$cache/vmlinuz-$pkg.$$" "$cache/vmlinuz-$pkg"
		echo "$cache/vmlinuz-$pkg"
	else
		cp "$k" "$W/vmlinuz" && echo "$W/vmlinuz"
	fi
	rm -rf "$W/k"
}
KERNEL=$(find_kernel)
[ -n "$KERNEL" ] || skip_all "no kernel image (set DMLHOG_VM_KERNEL, or allow apt-get download linux-image-amd64)"

# copy_with_libs FILE DEST: FILE and the shared libraries it loads.
copy_with_libs() {
	cp "$1" "$2" || return 1
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$W/r${lib%/*}" && cp -L "$lib" "$W/r$lib"
	done
}

# The initramfs: busybox, the probe and its libraries, an init that runs it.
mkdir -p "$W/r/bin" "$W/r/t" "$W/r/proc" "$W/r/sys" "$W/r/dev" "$W/r/tmp"
copy_with_libs "$BUSYBOX" "$W/r/bin/busybox" || skip_all "cannot copy busybox"
for a in sh mount poweroff; do ln -s busybox "$W/r/bin/$a"; done
copy_with_libs "$PROBE" "$W/r/t/numa-probe" || skip_all "cannot copy the probe"
cat >"$W/r/init" <<'EOF'
#!/bin/sh
mount -t proc p /proc
mount -t sysfs s /sys
mount -t devtmpfs d /dev
cd /t && ./numa-probe --require-nodes 2 --bind numa,spread --threads 4 >/dev/ttyS1 2>&1
echo "VM-EXIT=$?" >/dev/ttyS1
poweroff -f
EOF
chmod +x "$W/r/init"
(cd "$W/r" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$W/initrd" ||
	skip_all "cannot build the initramfs"

# 2 sockets x 2 cores, one NUMA node (1 GiB) per socket.  The probe writes
# to the second serial port, so kernel messages on the console (the first)
# never cut into its lines.
start=$(date +%s)
timeout "${DMLHOG_VM_TIMEOUT:-300}" qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu max \
	-m 2G -smp 4,sockets=2,cores=2,threads=1 \
	-object memory-backend-ram,size=1G,id=m0 -object memory-backend-ram,size=1G,id=m1 \
	-numa node,nodeid=0,cpus=0-1,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1 \
	-kernel "$KERNEL" -initrd "$W/initrd" -append "console=ttyS0 quiet panic=-1" \
	-display none -serial stdio -serial "file:$W/out" -monitor none -no-reboot \
	</dev/null >"$W/console" 2>"$W/qemu.err"
tr -d '\r' <"$W/out" >"$W/log" 2>/dev/null
secs=$(($(date +%s) - start))

# The probe's TAP, then its status.
sed -n '/^VM-EXIT=/q; p' "$W/log" >"$W/tap"
if grep -q '^1\.\.' "$W/tap"; then
	cat "$W/tap"
	echo "# guest boot and run: $secs s (kernel $(basename "$KERNEL"))"
else
	echo "1..1"
	echo "not ok 1 - the guest ran the probe to completion ($secs s)"
	cat "$W/log" "$W/qemu.err" "$W/console" 2>/dev/null | tr -d '\r' | sed -n '1,40p' | sed 's/^/#   /'
	exit 1
fi
grep -q '^VM-EXIT=0$' "$W/log"
