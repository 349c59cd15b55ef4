# x86_64 (ARCH=x86_64, sources under arch/x86): a little-endian ELF64 vmlinux of machine
# EM_X86_64, and bzImage at arch/x86/boot/bzImage, announced with "Kernel: ... is ready" as
# the real x86 build does. Must agree with harness/arch/x86_64.cpp (a test checks).
SRCARCH     := x86
ELF_MACHINE := 62
ELF_CLASS   := 64
ELF_ENDIAN  := little
BOOT_TARGET := bzImage
BOOT_IMAGE  := arch/x86/boot/bzImage
BOOT_STEPS  := LD:arch/x86/boot/compressed/vmlinux OBJCOPY:arch/x86/boot/vmlinux.bin \
               BUILD:arch/x86/boot/bzImage
BOOT_READY  := yes
ARCH_CONFIG := CONFIG_X86=y CONFIG_X86_64=y CONFIG_64BIT=y CONFIG_NOHIGHMEM=y
