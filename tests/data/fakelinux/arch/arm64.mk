# arm64 (ARCH=arm64): a little-endian ELF64 vmlinux of machine EM_AARCH64, and the
# uncompressed Image at arch/arm64/boot/Image, which the real build makes silently but for
# its OBJCOPY line. Must agree with harness/arch/arm64.cpp (a test checks).
SRCARCH     := arm64
ELF_MACHINE := 183
ELF_CLASS   := 64
ELF_ENDIAN  := little
BOOT_TARGET := Image
BOOT_IMAGE  := arch/arm64/boot/Image
BOOT_STEPS  := OBJCOPY:arch/arm64/boot/Image
BOOT_READY  :=
ARCH_CONFIG := CONFIG_ARM64=y CONFIG_64BIT=y CONFIG_ARM64_4K_PAGES=y
