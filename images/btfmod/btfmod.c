// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's test module: built as an external module against each cell's kernel (with the
 * cell's toolchain), carried in the initramfs and loaded by the probe with finit_module. With
 * CONFIG_DEBUG_INFO_BTF_MODULES its .ko holds split BTF on top of vmlinux's (pahole --btf_base
 * vmlinux in scripts/Makefile.modfinal), which the kernel checks at load and exports as
 * /sys/kernel/btf/btfmod. The probe compares that file with the .ko's .BTF section.
 *
 * struct btfmod_state is the module's own type; its list_head member refers to a vmlinux type,
 * so the module's BTF names a base type by id and reads right only on the vmlinux it was built
 * against. The harness looks for both when it inspects the .ko.
 */
#include <linux/init.h>
#include <linux/list.h>
#include <linux/module.h>

struct btfmod_state {
	struct list_head node;
	int counter;
	long hits;
};

struct btfmod_state btfmod_state_instance;

static int __init btfmod_init(void)
{
	INIT_LIST_HEAD(&btfmod_state_instance.node);
	btfmod_state_instance.counter = 1;
	return 0;
}

static void __exit btfmod_exit(void)
{
}

module_init(btfmod_init);
module_exit(btfmod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("harness: a module whose BTF the probe checks");
