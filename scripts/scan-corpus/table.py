#!/usr/bin/python3
import json, sys
r = json.load(open(sys.argv[1]))
steps = ['upload','web_doc','preview_p1','register','register_override','assign','start','complete','archive','web_verify','web_form']
print('| file | MB | ' + ' | '.join(steps) + ' |')
print('|' + '---|' * (len(steps) + 2))
for n, rec in sorted(r.items(), key=lambda kv: kv[1]['size_mb']):
    cells = []
    for s in steps:
        e = rec.get(s)
        if not e:
            cells.append('–'); continue
        m = e['mem']; mm = m.get('serve', 0) - e.get('rss0', 0)
        extra = ''
        if s == 'register': extra = f"/w{m.get('worker',0)}"
        if 'pdftoppm' in e: extra = f"/p{int(e['pdftoppm'][1])//1024}"
        st = '' if e['status'] in (200, 201) else f"**{e['status']}** "
        cells.append(f"{st}{e['ms']}ms +{mm}{extra}M")
    print(f"| {n} | {rec['size_mb']} | " + ' | '.join(cells) + ' |')
