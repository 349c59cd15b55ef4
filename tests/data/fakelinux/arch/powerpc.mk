# powerpc (ARCH=powerpc, the harness's ppc64): a big-endian ELF64 vmlinux of machine EM_PPC64.
# pseries firmware boots the vmlinux ELF itself, so there is no separate boot image (empty
# BOOT_TARGET; BOOT_IMAGE is vmlinux). Must agree with harness/arch/ppc64.cpp (a test checks).
SRCARCH     := powerpc
ELF_MACHINE := 21
ELF_CLASS   := 64
ELF_ENDIAN  := big
BOOT_TARGET :=
BOOT_IMAGE  := vmlinux
BOOT_STEPS  :=
BOOT_READY  :=
ARCH_CONFIG := CONFIG_PPC=y CONFIG_PPC64=y CONFIG_PPC_BOOK3S_64=y
