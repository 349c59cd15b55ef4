#!/bin/sh
# The fake tree's link-vmlinux.sh: prints the steps Linux 6.1's script prints and writes
# vmlinux with fake-vmlinux instead of a linker. Run by the Makefile, which exports objtree,
# ARCH, CROSS_COMPILE, FAKE_VMLINUX, FAIL and the ELF_* facts of arch/$ARCH.mk.
#
# FAIL=btf copies a real 6.1 quirk: gen_btf runs inside `if !`, where `set -e` does not apply,
# so a failing pahole does not fail gen_btf. The step after it leaves an empty
# .btf.vmlinux.bin.o and the error only shows at the next LD, naming that file.
set -e
cd "$objtree"
SHELL_CMD=/bin/sh

info() { printf '  %-7s %s\n' "$1" "$2"; }

is_enabled() { grep -q "^$1=y" include/config/auto.conf; }

failing() {
	case " $FAIL " in *" $1 "*) return 0 ;; esac
	return 1
}

# The fake pahole -J: encodes BTF into the temporary vmlinux; fails silently with FAIL=btf, and
# with a message when scripts/pahole-flags.sh gives it a flag it does not know (--bogus).
pahole_encode() {
	if failing btf; then return 1; fi
	case " $($SHELL_CMD "$srctree/scripts/pahole-flags.sh") " in
	*" --bogus "*) echo "pahole: unrecognized option '--bogus'" >&2; return 1 ;;
	esac
	printf 'BTF of %s\n' "$1" >> "$1"
}

# gen_btf TMP_VMLINUX BTF_OBJECT, as in 6.1: link, pahole, objcopy the .BTF section out.
gen_btf() {
	info LD "$1"
	printf 'fake %s\n' "$1" > "$1"
	info BTF "$2"
	pahole_encode "$1"
	# objcopy --only-section=.BTF: nothing to copy when pahole did not add the section.
	grep '^BTF of' "$1" > "$2" || :
}

# vmlinux_link OUTPUT: the intermediate links fail on an empty BTF object, as ld does.
vmlinux_link() {
	info LD "$1"
	if [ -n "$btf_vmlinux_bin_o" ] && [ ! -s "$btf_vmlinux_bin_o" ]; then
		echo "${CROSS_COMPILE}ld: $btf_vmlinux_bin_o: file not recognized: file format not recognized" >&2
		return 1
	fi
	printf 'fake %s\n' "$1" > "$1"
}

# As in 6.1, a failed link leaves no half-made vmlinux behind.
cleanup() {
	rm -f .btf.vmlinux.bin.o .tmp_vmlinux* System.map vmlinux
}
on_exit() {
	if [ $? -ne 0 ]; then cleanup; fi
}
trap on_exit EXIT

if ! command -v "$FAKE_VMLINUX" > /dev/null 2>&1; then
	echo "link-vmlinux.sh: '$FAKE_VMLINUX' not found: build it (cmake --build build --target fake-vmlinux)" \
		"and pass FAKE_VMLINUX=<build>/tests/tools/fake-vmlinux" >&2
	exit 1
fi

btf_vmlinux_bin_o=
if is_enabled CONFIG_DEBUG_INFO_BTF; then
	btf_vmlinux_bin_o=.btf.vmlinux.bin.o
	if ! gen_btf .tmp_vmlinux.btf "$btf_vmlinux_bin_o"; then
		echo >&2 "Failed to generate BTF for vmlinux"
		echo >&2 "Try to disable CONFIG_DEBUG_INFO_BTF"
		exit 1
	fi
fi

for n in 1 2; do
	vmlinux_link ".tmp_vmlinux.kallsyms$n"
	info KSYMS ".tmp_vmlinux.kallsyms$n.S"
	info AS ".tmp_vmlinux.kallsyms$n.S"
done

info LD vmlinux
if is_enabled CONFIG_DEBUG_INFO_BTF; then btf_flag=; else btf_flag=--no-btf; fi
"$FAKE_VMLINUX" --machine "$ELF_MACHINE" --class "$ELF_CLASS" --endian "$ELF_ENDIAN" $btf_flag \
	--build-id-from .config vmlinux
if is_enabled CONFIG_DEBUG_INFO_BTF; then info BTFIDS vmlinux; fi
info SORTTAB vmlinux
info SYSMAP System.map
printf '0000000000000000 T _stext\n' > System.map
