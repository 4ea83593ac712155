/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PLACEHOLDER: replaced by the CLI. */
#include "config.h"

#include "mt-core.h"

int
main (int argc, char *argv[])
{
  return 2;
}
