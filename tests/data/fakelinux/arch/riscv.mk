# riscv (ARCH=riscv, the harness's riscv64): a little-endian ELF64 vmlinux of machine EM_RISCV
# and the raw Image at arch/riscv/boot/Image. Must agree with harness/arch/riscv64.cpp (a test
# checks).
SRCARCH     := riscv
ELF_MACHINE := 243
ELF_CLASS   := 64
ELF_ENDIAN  := little
BOOT_TARGET := Image
BOOT_IMAGE  := arch/riscv/boot/Image
BOOT_STEPS  := OBJCOPY:arch/riscv/boot/Image
BOOT_READY  :=
ARCH_CONFIG := CONFIG_RISCV=y CONFIG_64BIT=y CONFIG_MMU=y
