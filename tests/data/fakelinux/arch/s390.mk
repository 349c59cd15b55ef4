# s390 (ARCH=s390, the harness's s390x): the only big-endian arch here, so vmlinux is a
# big-endian ELF64 of machine EM_S390 and its .BTF is big-endian too. The boot image is called
# bzImage, as on x86, but lives at arch/s390/boot/bzImage. Must agree with
# harness/arch/s390x.cpp (a test checks).
SRCARCH     := s390
ELF_MACHINE := 22
ELF_CLASS   := 64
ELF_ENDIAN  := big
BOOT_TARGET := bzImage
BOOT_IMAGE  := arch/s390/boot/bzImage
BOOT_STEPS  := LD:arch/s390/boot/vmlinux OBJCOPY:arch/s390/boot/vmlinux.bin \
               BUILD:arch/s390/boot/bzImage
BOOT_READY  := yes
ARCH_CONFIG := CONFIG_S390=y CONFIG_64BIT=y CONFIG_MARCH_Z10=y
