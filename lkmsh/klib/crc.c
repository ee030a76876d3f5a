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
