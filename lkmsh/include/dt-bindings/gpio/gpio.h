/* SPDX-License-Identifier: MIT */
/* lkmsh: the GPIO flag cells of device-tree bindings, as Linux's <dt-bindings/gpio/gpio.h>. */
#ifndef _LKMSH_DT_BINDINGS_GPIO_GPIO_H
#define _LKMSH_DT_BINDINGS_GPIO_GPIO_H

#define GPIO_ACTIVE_HIGH 0
#define GPIO_ACTIVE_LOW 1

#endif
