#!/usr/bin/python3
import json, sys
b = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
extra = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else {}
a = dict(a); a.update(extra)
def cell(e, s):
    x = e.get(s)
    if not x: return '–'
    st = '' if x['status'] in (200, 201) else f"{x['status']} "
    return f"{st}{x['ms']}"
def acc(e):
    u = e.get('upload', {})
    return 'yes' if u.get('status') == 201 else f"no ({u.get('status')})"
def mem(e, s):
    x = e.get(s)
    if not x: return '–'
    return f"+{x['mem'].get('serve',0) - x.get('rss0',0)}"
def prev(e):
    x = e.get('preview_p1')
    if not x: return '–'
    p = x.get('pdftoppm')
    return f"{x['ms']} ms / {int(p[1])//1024} MB" if p else f"{x['ms']} ms"
def reg(e):
    x = e.get('register')
    if not x: return '–'
    o = e.get('register_override')
    s = f"{x['ms']}" if x['status'] == 200 else f"{x['status']}→override {o['ms'] if o else '?'}"
    return s + f" (w {x['mem'].get('worker',0)} MB)"
print('| file | MB | accepted before → after | upload ms (serve +MB) | register ms (worker RSS) | assign/start/complete ms | archive ms | doc page ms (serve +MB) before → after | preview p1 (time / pdftoppm peak) before → after | verify page ms | web form ms |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
for n in sorted(a, key=lambda k: a[k]['size_mb']):
    eb, ea = b.get(n, {}), a[n]
    ab = acc(eb) if eb else '–'
    print(f"| {n} | {ea['size_mb']} | {ab} → {acc(ea)} | {cell(ea,'upload')} ({mem(ea,'upload')}) | {reg(ea)} | {cell(ea,'assign')}/{cell(ea,'start')}/{cell(ea,'complete')} | {cell(ea,'archive')} | {cell(eb,'web_doc')} ({mem(eb,'web_doc')}) → {cell(ea,'web_doc')} ({mem(ea,'web_doc')}) | {prev(eb)} → {prev(ea)} | {cell(ea,'web_verify')} | {cell(ea,'web_form')} |")
