#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Translation checks, run as meson tests.

check-potfiles.py SRCDIR
    po/POTFILES.in is sorted, names only files that exist, and lists every
    file under src/ and ui/ that marks strings for translation.

check-potfiles.py --translations SRCDIR
    every language in po/LINGUAS translates every string of the current
    sources, with nothing fuzzy, and its catalogue compiles with checks.
"""

import os
import re
import subprocess
import sys
import tempfile

SCANNED_DIRS = ('src', 'ui')
SCANNED_SUFFIXES = ('.c', '.h', '.ui')
# A gettext call (_ N_ C_ NC_ ngettext g_dngettext ...) or a builder string.
MARKERS = re.compile(r'(?<![A-Za-z0-9_])(?:N?C?_|g?_?d?ngettext|g_dpgettext2?)\s*\('
                     r'|translatable="yes"')

# The keywords and flags of meson's 'glib' preset, so this test extracts
# exactly what `ninja midthought-pot` does.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
]


def read_list(path):
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith('#')]


def check_potfiles(srcdir):
    listed = read_list(os.path.join(srcdir, 'po', 'POTFILES.in'))
    errors = []

    if listed != sorted(listed):
        errors.append('po/POTFILES.in is not sorted')
    for name in listed:
        if not os.path.isfile(os.path.join(srcdir, name)):
            errors.append(f'po/POTFILES.in lists {name}, which does not exist')

    for top in SCANNED_DIRS:
        for root, dirs, files in os.walk(os.path.join(srcdir, top)):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith(SCANNED_SUFFIXES):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, srcdir)
                with open(path, encoding='utf-8', errors='replace') as f:
                    if MARKERS.search(f.read()) and rel not in listed:
                        errors.append(f'{rel} has translatable strings but is '
                                      'not in po/POTFILES.in')
    return errors


def check_translations(srcdir):
    errors = []
    podir = os.path.join(srcdir, 'po')

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'messages.pot')
        subprocess.run(['xgettext', '--directory', srcdir,
                        '--files-from', os.path.join(podir, 'POTFILES.in'),
                        '--output', pot] + XGETTEXT_ARGS, check=True)

        for lang in read_list(os.path.join(podir, 'LINGUAS')):
            po = os.path.join(podir, lang + '.po')
            merged = os.path.join(tmp, lang + '.po')

            checked = subprocess.run(['msgfmt', '--check', '--output-file=/dev/null', po],
                                     capture_output=True, text=True)
            if checked.returncode != 0:
                errors.append(f'po/{lang}.po does not compile:\n{checked.stderr}')
                continue

            subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching',
                            '--output-file', merged, po, pot], check=True)
            stats = subprocess.run(['msgfmt', '--statistics', '--output-file=/dev/null',
                                    merged], capture_output=True, text=True, check=True)
            summary = stats.stderr.strip()
            if 'untranslated' in summary or 'fuzzy' in summary:
                missing = subprocess.run(['msgattrib', '--untranslated', '--no-wrap', merged],
                                         capture_output=True, text=True).stdout
                ids = re.findall(r'^msgid "(.+)"$', missing, re.MULTILINE)
                errors.append(f'po/{lang}.po is incomplete ({summary}); missing: '
                              + '; '.join(ids))
    return errors


def main():
    args = sys.argv[1:]
    translations = '--translations' in args
    args = [a for a in args if a != '--translations']
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2

    errors = check_translations(args[0]) if translations else check_potfiles(args[0])
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
