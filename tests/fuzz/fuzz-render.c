/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the interrupt-template renderer and the model-family
 * files it renders with. Input layout:
 *
 *   8 control bytes: family, kind, role, domain, position kind, position
 *                    (two bytes), flags (snap to sentence, oracle prompt)
 *   then up to four parts separated by the byte 0x1E:
 *     problem, reasoning, interrupt text, family JSON
 *
 * An empty or missing family part picks a built-in family by the first
 * control byte; otherwise the family file is parsed as a user's own would
 * be. Whatever renders must be consistent: the parts of the prompt in
 * order, the injected text at its end, the kept reasoning taken from the
 * oracle's, k within 0..T.
 *
 * Built by meson in _build-fuzz (tests/fuzz/README.md):
 *   _build-fuzz/tests/fuzz/fuzz-render /tmp/corpus tests/fuzz/corpus-render
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mt-core.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define CONTROL_BYTES 8
#define SEPARATOR '\x1e'

static void
check_rendered (const MtRendered *r,
                const char       *reasoning,
                gboolean          valid_input)
{
  if (r->prompt == NULL || r->injected == NULL)
    abort ();
  if (strlen (r->prompt) != r->length)
    abort ();
  if (!(r->prompt_end <= r->reasoning_start &&
        r->reasoning_start <= r->reasoning_end &&
        r->reasoning_end <= r->length))
    abort ();
  /* The interrupt's own words lie inside the injected text. */
  if (!(r->reasoning_end <= r->text_start && r->text_start <= r->text_end &&
        r->text_end <= r->length))
    abort ();
  if (strcmp (r->prompt + r->reasoning_end, r->injected) != 0)
    abort ();
  if (r->token_index > r->n_tokens)
    abort ();
  /* The kept reasoning is the oracle's own text, never anything else. */
  if (r->reasoning_end > r->reasoning_start)
    {
      g_autofree char *kept = g_strndup (r->prompt + r->reasoning_start,
                                         r->reasoning_end - r->reasoning_start);

      if (strstr (reasoning, kept) == NULL)
        abort ();
    }
  if (valid_input && !g_utf8_validate (r->prompt, r->length, NULL))
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  const char * const *builtins = mt_family_get_builtin_names ();
  g_autofree char *rest = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(MtFamily) family = NULL;
  g_autoptr(MtRendered) rendered = NULL;
  g_autoptr(GError) error = NULL;
  MtRenderInput input = { 0 };
  MtInterruptKind kind;
  MtInterruptRole role;
  MtDomain domain;
  const char *text = NULL;
  gboolean valid_input;
  guint n_parts, n_builtins;
  guint16 position;

  if (size < CONTROL_BYTES)
    return 0;

  rest = g_strndup ((const char *) data + CONTROL_BYTES, size - CONTROL_BYTES);
  parts = g_strsplit (rest, (char[]) { SEPARATOR, '\0' }, 4);
  n_parts = g_strv_length (parts);

  n_builtins = g_strv_length ((char **) builtins);
  if (n_parts >= 4 && parts[3][0] != '\0')
    {
      family = mt_family_new_from_data (parts[3], -1, &error);
      if (family == NULL)
        {
          /* A bad family file is refused with a message the user can read. */
          if (error == NULL || !g_utf8_validate (error->message, -1, NULL))
            abort ();
          return 0;
        }
    }
  else
    family = mt_family_new_builtin (builtins[data[0] % n_builtins]);
  if (family == NULL)
    abort ();

  kind = data[1] % (MT_INTERRUPT_CUSTOM + 1);
  role = data[2] % 2;
  domain = data[3] % (MT_DOMAIN_CODE + 1);
  position = (guint16) (data[5] | (data[6] << 8));
  if (data[4] & 1)
    {
      input.position.kind = MT_POSITION_TOKEN;
      input.position.token_index = position;
    }
  else
    {
      input.position.kind = MT_POSITION_FRACTION;
      /* 0..1 mostly, with a few values outside to exercise the refusal. */
      input.position.fraction = position / 60000.0;
    }
  input.position.snap_to_sentence = (data[7] & 1) != 0;

  input.problem = n_parts >= 1 ? parts[0] : "";
  input.reasoning = n_parts >= 2 ? parts[1] : "";
  if (n_parts >= 3)
    text = parts[2];
  if (data[7] & 2)
    input.oracle_prompt = input.problem;
  if (data[7] & 4)
    input.system = "";
  input.date = "2026-01-01";

  valid_input = g_utf8_validate (rest, -1, NULL);

  if (!mt_render_supports_role (kind, role))
    {
      rendered = mt_render_interrupt (family, &input, kind, role, text, domain, &error);
      if (rendered != NULL)
        abort ();
      return 0;
    }

  rendered = mt_render_interrupt (family, &input, kind, role, text, domain, &error);
  if (rendered == NULL)
    {
      if (error == NULL || !g_utf8_validate (error->message, -1, NULL))
        abort ();
      return 0;
    }

  check_rendered (rendered, input.reasoning, valid_input);

  {
    g_autoptr(MtInterrupt) interrupt = mt_rendered_create_interrupt (rendered, text);

    if (interrupt == NULL)
      abort ();
  }
  return 0;
}
