/*
 * A module-shaped object for the ELF reader tests: functions, data, bss,
 * an undefined and a weak undefined call, exports laid out as docs/abi.md
 * describes (struct kernel_symbol with place-relative fields, labelled
 * __ksymtab_NAME), and .modinfo records with padding between them.
 */
extern int printk(const char *fmt, ...);
extern void maybe_hook(void) __attribute__((weak));

int counter = 3;
static int hidden_state;
long big_buffer[64];
const char banner[] = "elf reader test";

int add_numbers(int a, int b) { return a + b + counter; }
int secret_value(void) { hidden_state++; return hidden_state * 7; }
int say_hello(void)
{
	if (maybe_hook)
		maybe_hook();
	big_buffer[1] = counter;
	return printk("hello %d %s\n", counter, banner);
}

/*
 * EXPORT_SYMBOL, as Linux with PREL32 relocations. __ksymtab_strings is not
 * a mergeable section here, so gas turns the name and namespace references
 * into "__ksymtab_strings section symbol + addend", as in many real modules
 * (lkmsh's own builder output, in sample_modules/, names the labels instead).
 */
#define KSYMTAB(sym, sec, ns)						\
	__asm__("	.section \"__ksymtab_strings\",\"a\"\n"	\
		"__kstrtab_" #sym ":	.asciz \"" #sym "\"\n"		\
		"__kstrtabns_" #sym ":	.asciz \"" ns "\"\n"		\
		"	.previous\n"					\
		"	.section \"" sec "\",\"a\"\n"			\
		"	.balign 4\n"					\
		"__ksymtab_" #sym ":\n"					\
		"	.long " #sym " - .\n"				\
		"	.long __kstrtab_" #sym " - .\n"			\
		"	.long __kstrtabns_" #sym " - .\n"		\
		"	.previous\n")

KSYMTAB(add_numbers, "__ksymtab", "");
KSYMTAB(counter, "__ksymtab", "TEST_NS");
KSYMTAB(secret_value, "__ksymtab_gpl", "");

KSYMTAB(say_hello, "__ksymtab", "");

#define MODINFO(id, text)						\
	static const char __modinfo_##id[]				\
	__attribute__((section(".modinfo"), used, aligned(1))) = text

MODINFO(license, "license=GPL");
MODINFO(author, "author=ELF Reader Tests");
MODINFO(padded, "description=reads ELF\0\0\0\0version=1.2.3");
MODINFO(junk, "a record without an equals sign");
MODINFO(alias, "alias=elftest-alias");
MODINFO(depends, "depends=");
