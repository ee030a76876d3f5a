/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the GPIO descriptor API, as Linux 6.1's <linux/gpio/consumer.h>,
 * for the lines of lkmsh's virtual bank. gpiod_*_value honour active-low
 * lines; the _raw forms do not.
 */
#ifndef _LKMSH_LINUX_GPIO_CONSUMER_H
#define _LKMSH_LINUX_GPIO_CONSUMER_H

#include <linux/kernel.h>
#include <linux/types.h>

struct gpio_desc;

#define GPIO_LINE_DIRECTION_IN	1
#define GPIO_LINE_DIRECTION_OUT	0

#define GPIOD_FLAGS_BIT_DIR_SET		BIT(0)
#define GPIOD_FLAGS_BIT_DIR_OUT		BIT(1)
#define GPIOD_FLAGS_BIT_DIR_VAL		BIT(2)
#define GPIOD_FLAGS_BIT_OPEN_DRAIN	BIT(3)
#define GPIOD_FLAGS_BIT_NONEXCLUSIVE	BIT(4)

enum gpiod_flags {
	GPIOD_ASIS	= 0,
	GPIOD_IN	= GPIOD_FLAGS_BIT_DIR_SET,
	GPIOD_OUT_LOW	= GPIOD_FLAGS_BIT_DIR_SET | GPIOD_FLAGS_BIT_DIR_OUT,
	GPIOD_OUT_HIGH	= GPIOD_FLAGS_BIT_DIR_SET | GPIOD_FLAGS_BIT_DIR_OUT |
			  GPIOD_FLAGS_BIT_DIR_VAL,
	GPIOD_OUT_LOW_OPEN_DRAIN = GPIOD_OUT_LOW | GPIOD_FLAGS_BIT_OPEN_DRAIN,
	GPIOD_OUT_HIGH_OPEN_DRAIN = GPIOD_OUT_HIGH | GPIOD_FLAGS_BIT_OPEN_DRAIN,
};

struct gpio_desc *gpio_to_desc(unsigned gpio);
int desc_to_gpio(const struct gpio_desc *desc);

int gpiod_get_direction(struct gpio_desc *desc);
int gpiod_direction_input(struct gpio_desc *desc);
int gpiod_direction_output(struct gpio_desc *desc, int value);
int gpiod_direction_output_raw(struct gpio_desc *desc, int value);

int gpiod_get_value(const struct gpio_desc *desc);
void gpiod_set_value(struct gpio_desc *desc, int value);
int gpiod_get_raw_value(const struct gpio_desc *desc);
void gpiod_set_raw_value(struct gpio_desc *desc, int value);

#define gpiod_get_value_cansleep(desc)		gpiod_get_value(desc)
#define gpiod_set_value_cansleep(desc, value)	gpiod_set_value(desc, value)
#define gpiod_get_raw_value_cansleep(desc)	gpiod_get_raw_value(desc)
#define gpiod_set_raw_value_cansleep(desc, v)	gpiod_set_raw_value(desc, v)
#define gpiod_cansleep(desc)			0

struct device;

/* lines named by the device's node: <con_id>-gpios = <PIN FLAGS> (one controller) */
struct gpio_desc *gpiod_get(struct device *dev, const char *con_id, enum gpiod_flags flags);
struct gpio_desc *gpiod_get_index(struct device *dev, const char *con_id, unsigned int idx,
				  enum gpiod_flags flags);
struct gpio_desc *gpiod_get_optional(struct device *dev, const char *con_id,
				     enum gpiod_flags flags);
struct gpio_desc *devm_gpiod_get(struct device *dev, const char *con_id, enum gpiod_flags flags);
struct gpio_desc *devm_gpiod_get_optional(struct device *dev, const char *con_id,
					  enum gpiod_flags flags);
void gpiod_put(struct gpio_desc *desc);

int gpiod_is_active_low(const struct gpio_desc *desc);
void gpiod_toggle_active_low(struct gpio_desc *desc);
int gpiod_to_irq(const struct gpio_desc *desc);

#endif /* _LKMSH_LINUX_GPIO_CONSUMER_H */
