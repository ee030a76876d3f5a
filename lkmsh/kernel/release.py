"""What this kernel says it is: modules are checked against this vermagic."""

KERNEL_RELEASE = "6.1.0-lkmsh"
VERMAGIC = "6.1.0-lkmsh SMP mod_unload "
MODULE_NAME_LEN = 56
