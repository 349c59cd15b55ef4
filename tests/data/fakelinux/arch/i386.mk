# i386 (ARCH=i386, sources under arch/x86): a little-endian ELF32 vmlinux of machine EM_386,
# and bzImage at arch/x86/boot/bzImage as on x86_64. Must agree with harness/arch/i386.cpp (a
# test checks).
SRCARCH     := x86
ELF_MACHINE := 3
ELF_CLASS   := 32
ELF_ENDIAN  := little
BOOT_TARGET := bzImage
BOOT_IMAGE  := arch/x86/boot/bzImage
BOOT_STEPS  := LD:arch/x86/boot/compressed/vmlinux OBJCOPY:arch/x86/boot/vmlinux.bin \
               BUILD:arch/x86/boot/bzImage
BOOT_READY  := yes
ARCH_CONFIG := CONFIG_X86=y CONFIG_X86_32=y CONFIG_HIGHMEM4G=y
