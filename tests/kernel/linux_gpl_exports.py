"""Kernel API functions outside lib/ and crypto/ that Linux 6.1 exports with
EXPORT_SYMBOL_GPL, by the file that exports them (checked against the
linux-source-6.1 tree: every lkmsh export grepped for its EXPORT_SYMBOL line).

Shared by test_gpl_only_drivers.py and kapi/test_kapi_table.py.
"""

from __future__ import annotations

DRIVERS_GPL: dict[str, frozenset[str]] = {
    "block/blk-mq.c": frozenset({"blk_mq_alloc_sq_tag_set"}),
    "kernel/debug/kdb/kdb_main.c": frozenset({"kdb_register", "kdb_unregister"}),
    "drivers/base/firmware_loader/main.c": frozenset(
        {
            "firmware_request_nowarn",
            "request_firmware_direct",
            "firmware_request_platform",
            "firmware_request_cache",
            "firmware_request_builtin",  # EXPORT_SYMBOL_NS_GPL(..., TEST_FIRMWARE)
        }
    ),
    "drivers/connector/connector.c": frozenset(
        {"cn_add_callback", "cn_del_callback", "cn_netlink_send", "cn_netlink_send_mult"}
    ),
    "block/genhd.c": frozenset({"set_capacity_and_notify"}),
    "kernel/bpf/core.c": frozenset(
        {"__bpf_call_base", "bpf_prog_alloc", "bpf_prog_free", "bpf_prog_select_runtime"}
    ),
    "net/core/filter.c": frozenset({"bpf_prog_create", "bpf_prog_destroy"}),
    "kernel/sysctl.c": frozenset(
        {"proc_dou8vec_minmax", "proc_douintvec_minmax", "sysctl_long_vals"}
    ),
    "kernel/async.c": frozenset({"async_synchronize_full"}),
    "mm/maccess.c": frozenset({"copy_from_kernel_nofault"}),
    "drivers/base/class.c": frozenset({"class_create_file_ns", "class_remove_file_ns"}),
    "drivers/base/core.c": frozenset(
        {
            "device_create_file",
            "device_remove_file",
            "get_device",
            "put_device",
            "dev_set_name",
            "device_initialize",
            "device_add",
            "device_del",
        }
    ),
    "drivers/base/devres.c": frozenset(
        {"devm_add_action", "devm_kfree", "devm_kmalloc", "devm_kstrdup"}
    ),
    "drivers/base/platform.c": frozenset(
        {
            "__platform_driver_register",
            "platform_driver_unregister",
            "devm_platform_ioremap_resource",
            "platform_device_alloc",
            "platform_device_add",
            "platform_device_add_data",
            "platform_device_add_resources",
            "platform_device_del",
            "platform_device_put",
            "platform_device_register",
            "platform_device_unregister",
            "platform_get_irq",
            "platform_get_irq_optional",
            "platform_get_resource",
        }
    ),  # fmt: skip
    "drivers/base/property.c": frozenset(
        {
            "device_get_match_data",
            "device_property_match_string",
            "device_property_present",
            "device_property_read_string",
            "device_property_read_u32_array",
        }
    ),  # fmt: skip
    "drivers/of/property.c": frozenset(
        {
            "of_property_count_elems_of_size",
            "of_property_match_string",
            "of_property_read_string",
            "of_property_read_string_helper",
            "of_property_read_variable_u32_array",
        }
    ),  # fmt: skip
    "drivers/gpio/gpiolib.c": frozenset(
        {
            "desc_to_gpio",
            "gpio_to_desc",
            "gpiod_direction_input",
            "gpiod_direction_output",
            "gpiod_direction_output_raw",
            "gpiod_get",
            "gpiod_get_direction",
            "gpiod_get_index",
            "gpiod_get_optional",
            "gpiod_get_raw_value",
            "gpiod_get_value",
            "gpiod_is_active_low",
            "gpiod_put",
            "gpiod_set_raw_value",
            "gpiod_set_value",
            "gpiod_to_irq",
            "gpiod_toggle_active_low",
        }
    ),  # fmt: skip
    "drivers/gpio/gpiolib-devres.c": frozenset({"devm_gpiod_get", "devm_gpiod_get_optional"}),
    "drivers/gpio/gpiolib-legacy.c": frozenset(
        {"gpio_request", "gpio_request_one", "gpio_request_array", "gpio_free", "gpio_free_array"}
    ),
    "drivers/tty/tty_jobctrl.c": frozenset({"get_current_tty"}),
    "fs/debugfs/inode.c": frozenset(
        {
            "debugfs_create_dir",
            "debugfs_initialized",
            "debugfs_lookup",
            "debugfs_lookup_and_remove",
            "debugfs_remove",
        }
    ),  # fmt: skip
    "fs/debugfs/file.c": frozenset(
        {
            "debugfs_attr_read",
            "debugfs_attr_write",
            "debugfs_create_atomic_t",
            "debugfs_create_blob",
            "debugfs_create_bool",
            "debugfs_create_size_t",
            "debugfs_create_ulong",
            "debugfs_create_u8",
            "debugfs_create_u16",
            "debugfs_create_u32",
            "debugfs_create_u64",
            "debugfs_create_x8",
            "debugfs_create_x16",
            "debugfs_create_x32",
            "debugfs_create_x64",
        }
    ),  # fmt: skip
    "fs/exec.c": frozenset({"__get_task_comm"}),  # behind get_task_comm()
    "fs/sysfs/file.c": frozenset(
        {
            "sysfs_chmod_file",
            "sysfs_create_bin_file",
            "sysfs_create_file_ns",
            "sysfs_create_files",
            "sysfs_emit",
            "sysfs_emit_at",
            "sysfs_notify",
            "sysfs_remove_bin_file",
            "sysfs_remove_file_ns",
            "sysfs_remove_file_self",
            "sysfs_remove_files",
        }
    ),  # fmt: skip
    "fs/sysfs/group.c": frozenset(
        {
            "sysfs_create_group",
            "sysfs_create_groups",
            "sysfs_remove_group",
            "sysfs_remove_groups",
            "sysfs_update_group",
        }
    ),  # fmt: skip
    "kernel/irq/handle.c": frozenset({"no_action"}),
    "kernel/irq/manage.c": frozenset({"disable_hardirq", "request_any_context_irq"}),
    "kernel/params.c": frozenset({"param_set_bool_enable_only", "param_ops_bool_enable_only"}),
    "fs/libfs.c": frozenset(
        {"simple_attr_open", "simple_attr_release", "simple_attr_read", "simple_attr_write"}
    ),
    "arch/x86/kernel/fpu/core.c": frozenset(
        {"kernel_fpu_begin_mask", "kernel_fpu_end", "irq_fpu_usable"}
    ),
    # exported for lib/test_vmalloc.c only (IS_ENABLED(CONFIG_TEST_VMALLOC))
    "mm/vmalloc.c": frozenset({"__vmalloc_node"}),
    "kernel/trace/trace.c": frozenset(
        {
            "__trace_puts",
            "__trace_bputs",
            "trace_array_get_by_name",
            "trace_array_put",
            "trace_array_destroy",
            "trace_array_init_printk",
            "trace_array_printk",
        }
    ),  # fmt: skip
    "kernel/tracepoint.c": frozenset(
        {
            "tracepoint_probe_register",
            "tracepoint_probe_register_prio",
            "tracepoint_probe_register_prio_may_exist",
            "tracepoint_probe_unregister",
            "for_each_kernel_tracepoint",
        }
    ),  # fmt: skip
    "kernel/trace/trace_events.c": frozenset(
        {
            "trace_event_raw_init",
            "trace_event_reg",
            "trace_event_buffer_reserve",
            "trace_event_buffer_commit",
            "trace_set_clr_event",
            "trace_array_set_clr_event",
        }
    ),  # fmt: skip
    "kernel/trace/trace_output.c": frozenset({"trace_output_call"}),
    "kernel/trace/trace_seq.c": frozenset(
        {
            "trace_seq_printf",
            "trace_seq_vprintf",
            "trace_seq_puts",
            "trace_seq_putc",
            "trace_seq_putmem",
            "trace_seq_bitmask",
        }
    ),  # fmt: skip
    "kernel/trace/trace_printk.c": frozenset({"__trace_printk", "__trace_bprintk"}),
    "kernel/irq_work.c": frozenset({"irq_work_queue", "irq_work_run", "irq_work_sync"}),
    "kernel/kprobes.c": frozenset(
        {
            "register_kprobe",
            "unregister_kprobe",
            "register_kprobes",
            "unregister_kprobes",
            "register_kretprobe",
            "unregister_kretprobe",
            "register_kretprobes",
            "unregister_kretprobes",
            "disable_kprobe",
            "enable_kprobe",
        }
    ),  # fmt: skip
    "kernel/stacktrace.c": frozenset(
        {"stack_trace_print", "stack_trace_snprint", "stack_trace_save"}
    ),
    "mm/percpu.c": frozenset({"__alloc_percpu", "__alloc_percpu_gfp", "free_percpu"}),
    # device memory (lib/test_hmm.c's): ZONE_DEVICE page maps, iomem, mmu notifiers, rmap
    "mm/memremap.c": frozenset({"memremap_pages", "memunmap_pages", "zone_device_page_init"}),
    "kernel/resource.c": frozenset({"request_free_mem_region"}),
    "mm/mmu_notifier.c": frozenset(
        {"mmu_interval_notifier_insert", "mmu_interval_notifier_remove", "mmu_interval_read_begin"}
    ),
    "mm/rmap.c": frozenset({"make_device_exclusive_range"}),
    "kernel/fork.c": frozenset({"get_task_mm", "mmput", "__mmdrop"}),
    "kernel/events/hw_breakpoint.c": frozenset(
        {"register_wide_hw_breakpoint", "unregister_wide_hw_breakpoint", "unregister_hw_breakpoint"}
    ),
    "kernel/trace/fprobe.c": frozenset(
        {"register_fprobe", "register_fprobe_ips", "register_fprobe_syms", "unregister_fprobe"}
    ),
    "kernel/livepatch/core.c": frozenset({"klp_enable_patch"}),
    "kernel/livepatch/shadow.c": frozenset(
        {
            "klp_shadow_get",
            "klp_shadow_alloc",
            "klp_shadow_get_or_alloc",
            "klp_shadow_free",
            "klp_shadow_free_all",
        }
    ),  # fmt: skip
    "kernel/livepatch/state.c": frozenset({"klp_get_state", "klp_get_prev_state"}),
    "kernel/printk/printk.c": frozenset({"console_printk"}),  # data: console_loglevel & co
    "lib/memcat_p.c": frozenset({"__memcat_p"}),  # behind memcat_p()
    # the sysfs roots and system workqueues (data): kernel/ksysfs.c, mm/mm_init.c,
    # fs/namespace.c, drivers/base/{firmware,hypervisor}.c, kernel/workqueue.c
    "data": frozenset(
        {
            "kernel_kobj",
            "mm_kobj",
            "fs_kobj",
            "firmware_kobj",
            "hypervisor_kobj",
            "system_highpri_wq",
            "system_long_wq",
            "system_unbound_wq",
            "system_freezable_wq",
            "system_power_efficient_wq",
        }
    ),  # fmt: skip
}
#: inline in Linux 6.1's headers, calling a GPL-only export (so a module using one
#: needs a GPL-compatible license there too)
INLINE_GPL = frozenset({
    "gpio_direction_input", "gpio_direction_output", "gpio_get_value", "gpio_set_value",
    "gpio_to_irq",  # <asm-generic/gpio.h>: gpiod_*(gpio_to_desc(gpio))
    "devm_add_action_or_reset",  # devm_add_action
    "platform_device_register_resndata",  # platform_device_register_full
})  # fmt: skip
#: EXPORT_SYMBOL in the same files and families: any module may use them
DRIVERS_PLAIN = frozenset({
    "misc_register", "misc_deregister", "cdev_init", "cdev_add", "cdev_del",
    "alloc_chrdev_region", "register_chrdev_region", "unregister_chrdev_region",
    "__register_chrdev", "input_allocate_device", "input_register_device", "input_event",
    "input_unregister_device", "devm_input_allocate_device", "request_threaded_irq", "free_irq",
    "enable_irq", "disable_irq", "synchronize_irq", "devm_request_threaded_irq", "kobject_add",
    "kobject_init", "kobject_put", "kset_register", "param_set_bool", "param_ops_bool",
    "param_set_int", "system_wq", "queue_work_on", "kthread_create_on_node", "kthread_stop",
    "devm_ioremap", "ioremap", "iounmap", "of_device_is_compatible", "of_match_device",
    "tty_name", "del_gendisk", "device_add_disk", "blk_mq_alloc_tag_set", "set_capacity",
    "simple_read_from_buffer", "nonseekable_open", "_dev_printk", "_dev_err", "_dev_info",
    "dma_set_mask", "register_netdev", "__dev_queue_xmit", "blackhole_netdev", "sock_release",
    "kdb_printf", "___ratelimit", "__printk_ratelimit", "net_ratelimit",
    "register_sysctl", "register_sysctl_table",
    "register_sysctl_paths", "unregister_sysctl_table", "proc_dointvec", "proc_dostring",
    "proc_dointvec_minmax", "proc_douintvec", "proc_doulongvec_minmax", "proc_do_large_bitmap",
    "filp_open", "filp_close", "fput",
    "cdev_device_add", "cdev_device_del",  # fs/char_dev.c
    "hmm_range_fault", "migrate_vma_setup", "migrate_vma_pages", "migrate_vma_finalize",
    "__request_region", "__release_region", "iomem_resource",  # kernel/resource.c
})  # fmt: skip


def all_gpl() -> frozenset[str]:
    return frozenset().union(*DRIVERS_GPL.values()) | INLINE_GPL
