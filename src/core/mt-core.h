/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "mt-branch.h"
#include "mt-enums.h"
#include "mt-family.h"
#include "mt-format.h"
#include "mt-grade.h"
#include "mt-import.h"
#include "mt-interrupt-texts.h"
#include "mt-interrupt.h"
#include "mt-json-scan.h"
#include "mt-lab-file.h"
#include "mt-lab.h"
#include "mt-problem.h"
#include "mt-render.h"
#include "mt-think.h"
#include "mt-tokens.h"
#include "mt-trace.h"
