// SPDX-License-Identifier: MIT
/*
 * The kernel's CRCs, byte at a time through 256-entry tables that build.py
 * generates (crc_tables.h): crc32_le/crc32_be (IEEE 802.3), __crc32c_le
 * (Castagnoli), crc16 (0x8005 reflected), crc_ccitt (0x1021 reflected),
 * crc_itu_t (0x1021), and crc8 over a caller's table. As Linux, no initial or
 * final inversion: callers pass the seed and invert when their protocol does.
 */
#include "klib.h"
#include "crc_tables.h"

u32 crc32_le(u32 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc >> 8) ^ crc32_le_table[(crc ^ *p++) & 0xff];
	return crc;
}

u32 crc32_be(u32 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc << 8) ^ crc32_be_table[(crc >> 24) ^ *p++];
	return crc;
}

u32 __crc32c_le(u32 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc >> 8) ^ crc32c_table[(crc ^ *p++) & 0xff];
	return crc;
}

u16 crc16(u16 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc >> 8) ^ crc16_table[(crc ^ *p++) & 0xff];
	return crc;
}

u16 crc_ccitt(u16 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc >> 8) ^ crc_ccitt_table[(crc ^ *p++) & 0xff];
	return crc;
}

u16 crc_ccitt_false(u16 crc, const u8 *p, size_t len)
{
	while (len--)
		crc = (crc << 8) ^ crc_itu_t_table[((crc >> 8) ^ *p++) & 0xff];
	return crc;
}

u16 crc_itu_t(u16 crc, const u8 *p, size_t len)
{
	return crc_ccitt_false(crc, p, len);
}

void crc8_populate_msb(u8 table[256], u8 polynomial)
{
	int i, j;
	u8 t = 0x80;

	table[0] = 0;
	for (i = 1; i < 256; i <<= 1) {
		t = (t << 1) ^ (t & 0x80 ? polynomial : 0);
		for (j = 0; j < i; j++)
			table[i + j] = table[j] ^ t;
	}
}

void crc8_populate_lsb(u8 table[256], u8 polynomial)
{
	int i, j;
	u8 t = 1;

	table[0] = 0;
	for (i = 128; i; i >>= 1) {
		t = (t >> 1) ^ (t & 1 ? polynomial : 0);
		for (j = 0; j < 256; j += 2 * i)
			table[i + j] = table[j] ^ t;
	}
}

u8 crc8(const u8 table[256], const u8 *pdata, size_t nbytes, u8 crc)
{
	while (nbytes-- > 0)
		crc = table[(crc ^ *pdata++) & 0xff];
	return crc;
}

/*
 * crc32_le_shift(): @crc as if @len zero bytes followed (crc * x^(8*len) mod P),
 * what crc32_le_combine() needs. Reflected polynomials: bit 31 is x^0, so one
 * step of "times x" is a right shift, folding x^32 back in as @poly.
 */
static u32 times_x(u32 v, u32 poly)
{
	return (v >> 1) ^ (v & 1 ? poly : 0);
}

static u32 gf2_mul(u32 a, u32 b, u32 poly)
{
	u32 r = 0;
	int bit;

	/* Horner over a's terms, highest power (bit 0) first */
	for (bit = 0; bit < 32; bit++)
		r = times_x(r, poly) ^ ((a >> bit) & 1 ? b : 0);
	return r;
}

static u32 shift_bytes(u32 crc, size_t len, u32 poly)
{
	u32 power = 1U << (31 - 8); /* x^8 */

	for (; len; len >>= 1) {
		if (len & 1)
			crc = gf2_mul(crc, power, poly);
		power = gf2_mul(power, power, poly);
	}
	return crc;
}

u32 crc32_le_shift(u32 crc, size_t len)
{
	return shift_bytes(crc, len, 0xedb88320);
}

u32 __crc32c_le_shift(u32 crc, size_t len)
{
	return shift_bytes(crc, len, 0x82f63b78);
}
