/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the legacy GPIO API, as Linux 6.1's <linux/gpio.h>, over lkmsh's
 * virtual bank gpiochip0 (GPIOs 0-63; the shell drives and watches them).
 */
#ifndef _LKMSH_LINUX_GPIO_H
#define _LKMSH_LINUX_GPIO_H

#include <linux/errno.h>
#include <linux/gpio/consumer.h>
#include <linux/types.h>

#define GPIOF_DIR_OUT	(0 << 0)
#define GPIOF_DIR_IN	(1 << 0)

#define GPIOF_INIT_LOW	(0 << 1)
#define GPIOF_INIT_HIGH	(1 << 1)

#define GPIOF_IN		(GPIOF_DIR_IN)
#define GPIOF_OUT_INIT_LOW	(GPIOF_DIR_OUT | GPIOF_INIT_LOW)
#define GPIOF_OUT_INIT_HIGH	(GPIOF_DIR_OUT | GPIOF_INIT_HIGH)

#define GPIOF_ACTIVE_LOW	(1 << 2)
#define GPIOF_OPEN_DRAIN	(1 << 3)
#define GPIOF_OPEN_SOURCE	(1 << 4)
#define GPIOF_EXPORT		(1 << 5)
#define GPIOF_EXPORT_CHANGEABLE	(1 << 6)
#define GPIOF_EXPORT_DIR_FIXED	(GPIOF_EXPORT)
#define GPIOF_EXPORT_DIR_CHANGEABLE (GPIOF_EXPORT | GPIOF_EXPORT_CHANGEABLE)

/**
 * struct gpio - a structure describing a GPIO with configuration
 * @gpio:	the GPIO number
 * @flags:	GPIO configuration as specified by GPIOF_*
 * @label:	a literal description string of this GPIO
 */
struct gpio {
	unsigned	gpio;
	unsigned long	flags;
	const char	*label;
};

static inline bool gpio_is_valid(int number)
{
	/* only non-negative numbers are valid */
	return number >= 0;
}

int gpio_request(unsigned gpio, const char *label);
void gpio_free(unsigned gpio);
int gpio_request_one(unsigned gpio, unsigned long flags, const char *label);
int gpio_request_array(const struct gpio *array, size_t num);
void gpio_free_array(const struct gpio *array, size_t num);

int gpio_direction_input(unsigned gpio);
int gpio_direction_output(unsigned gpio, int value);
int gpio_get_value(unsigned int gpio);
void gpio_set_value(unsigned int gpio, int value);
int gpio_to_irq(unsigned int gpio);

#define gpio_get_value_cansleep(gpio)		gpio_get_value(gpio)
#define gpio_set_value_cansleep(gpio, value)	gpio_set_value(gpio, value)
#define gpio_cansleep(gpio)			0
#define gpio_set_debounce(gpio, debounce)	0
#define gpio_export(gpio, changeable)		0
#define gpio_unexport(gpio)			do { } while (0)

#endif /* _LKMSH_LINUX_GPIO_H */
