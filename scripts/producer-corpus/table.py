#!/usr/bin/python3
"""The table of a producer-corpus run: table.py manifest.json results.json"""
import json, sys
man, res = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
cols = ['pdfsig', 'qpdf', 'mutool_sign', 'mutool_draw', 'pixels', 'layout_check']
print('| draft | producer | pages | ' + ' | '.join(c.replace('_', ' ') for c in cols) + ' | vanthu said |')
print('|' + ' --- |' * (len(cols) + 4))
tot = {c: 0 for c in cols}
issued = 0
for n, m in man.items():
    if 'error' in m:
        print('| %s | %s | – | %s | generator failed: %s |' % (n, m['producer'], ' | '.join('–' for _ in cols), m['error'][:80].replace('\n', ' ')))
        continue
    r = res.get(n)
    if r is None:
        continue
    said = r.get('said', 'issued').strip()
    if 'said' not in r:
        issued += 1
        notes = r.get('notes') or []
        if notes:
            said += ' (notes: ' + '; '.join(notes) + ')'
    for c in cols:
        tot[c] += r.get(c) == 'ok'
    print('| %s | %s | %s | %s | %s |' % (n, m['producer'], r.get('pages', '?'), ' | '.join(r.get(c, '–') for c in cols), said.replace('|', '/')))
print('\n%d drafts, %d issued; ok: %s' % (len(res), issued, ', '.join('%s %d' % (c, tot[c]) for c in cols)))
