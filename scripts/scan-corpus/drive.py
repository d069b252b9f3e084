#!/usr/bin/python3
"""Drives every corpus file through the incoming path of a running vanthu serve
and records status, time and peak memory (VmHWM reset per step) of each step.
usage: drive.py BASE SERVE_PID OUT.json [files...]
Users clerk, officer, handler (password pass-ROLE-1) and admin (admin-secret-1) must exist;
with $PDFTOPPM_LOG, a pdftoppm on PATH that appends "seconds maxrss-KB" there (run.sh makes one)."""
import json, os, re, subprocess, sys, time, uuid, urllib.request, urllib.error, http.cookiejar

BASE, PID, OUT = sys.argv[1], int(sys.argv[2]), sys.argv[3]
FILES = sys.argv[4:]
API = BASE + '/api/v1'
PWLOG = os.environ.get('PDFTOPPM_LOG', '/tmp/scan-corpus/pdftoppm.log')


def procs():
    """serve and its children (sign workers, pdftoppm)."""
    out = [PID]
    try:
        kids = open(f'/proc/{PID}/task/{PID}/children').read().split()
        out += [int(k) for k in kids]
    except OSError:
        pass
    return out


def reset():
    for p in procs():
        try:
            open(f'/proc/{p}/clear_refs', 'w').write('5')
        except OSError:
            pass


def hwm():
    res = {}
    for p in procs():
        try:
            st = open(f'/proc/{p}/status').read()
            name = re.search(r'Name:\s+(\S+)', st).group(1)
            cmd = open(f'/proc/{p}/cmdline').read().split('\0')
            key = 'serve' if p == PID else ('worker' if 'sign-worker' in cmd else name)
            v = int(re.search(r'VmHWM:\s+(\d+)', st).group(1)) // 1024
            res[key] = max(res.get(key, 0), v)
        except (OSError, AttributeError):
            pass
    return res


def req(method, url, body=None, headers=None, timeout=600):
    r = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    t = time.monotonic()
    try:
        with urllib.request.urlopen(r, timeout=timeout) as resp:
            data, st, ct = resp.read(), resp.status, resp.headers.get('Content-Type', '')
    except urllib.error.HTTPError as e:
        data, st, ct = e.read(), e.code, e.headers.get('Content-Type', '')
    except Exception as e:  # connection reset etc.
        data, st, ct = str(e).encode(), 0, ''
    return st, data, ct, time.monotonic() - t


def multipart(fields, files):
    b = uuid.uuid4().hex
    out = bytearray()
    for k, v, ct in fields:
        out += f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n'.encode()
        if ct:
            out += f'Content-Type: {ct}\r\n'.encode()
        out += b'\r\n' + (v if isinstance(v, bytes) else v.encode()) + b'\r\n'
    for k, name, data in files:
        out += f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        out += data + b'\r\n'
    out += f'--{b}--\r\n'.encode()
    return bytes(out), f'multipart/form-data; boundary={b}'


def login(u, p):
    st, d, _, _ = req('POST', API + '/auth/login', json.dumps({'username': u, 'password': p}).encode(), {'Content-Type': 'application/json'})
    return json.loads(d)['token']


def rss():
    try:
        return int(re.search(r'VmRSS:\s+(\d+)', open(f'/proc/{PID}/status').read()).group(1)) // 1024
    except OSError:
        return 0


def step(name, fn, rec):
    reset()
    before = rss()
    try:
        open(PWLOG, 'w').close()
    except OSError:
        pass
    st, data, ct, dt = fn()
    m = hwm()
    e = {'status': st, 'ms': round(dt * 1000), 'mem': m, 'rss0': before}
    if st >= 400 or st == 0:
        try:
            e['error'] = json.loads(data).get('error', data[:200].decode(errors='replace'))
        except Exception:
            e['error'] = data[:160].decode(errors='replace') if 'json' in ct or 'text/plain' in ct else f'({ct}) ' + re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', data.decode(errors='replace')))[:300]
    if os.path.exists(PWLOG) and os.path.getsize(PWLOG):
        e['pdftoppm'] = open(PWLOG).read().split()
    rec[name] = e
    return st, data, ct


def main():
    tok = {r: login(r, f'pass-{r}-1') for r in ('clerk', 'officer', 'handler')}
    users = json.loads(req('GET', API + '/users', headers={'Authorization': 'Bearer ' + login('admin', 'admin-secret-1')})[1])['items']
    hid = [u['id'] for u in users if u['username'] == 'handler'][0]
    H = lambda r: {'Authorization': 'Bearer ' + tok[r]}
    web = lambda r: {'Cookie': 'vanthu_session=' + tok[r]}
    results = json.load(open(OUT)) if os.path.exists(OUT) else {}
    for path in FILES:
        name = os.path.basename(path)
        data = open(path, 'rb').read()
        rec = {'size_mb': round(len(data) / 2**20, 2)}
        results[name] = rec
        meta = json.dumps({'direction': 'incoming', 'type': 'CV', 'subject': 'Văn bản quét ' + name, 'urgency': 'normal',
                           'confidentiality': 'normal', 'sender': {'org_id': '000.00.00.H13', 'name': 'UBND thành phố Cần Thơ'},
                           'original_number': '125/UBND-VP', 'original_date': '2026-11-20'})
        body, ct = multipart([('meta', meta, 'application/json')], [('file', name, data)])
        st, d, _ = step('upload', lambda: req('POST', API + '/documents', body, dict(H('clerk'), **{'Content-Type': ct})), rec)
        doc = json.loads(d).get('id') if st == 201 else None
        if doc:
            # web: the document page and the page previews
            step('web_doc', lambda: req('GET', f'{BASE}/documents/{doc}', headers=web('clerk')), rec)
            st, png, ct2 = step('preview_p1', lambda: req('GET', f'{BASE}/documents/{doc}/page/1', headers=web('clerk')), rec)
            if st == 200 and png[:4] == b'\x89PNG':
                import struct
                rec['preview_p1']['px'] = struct.unpack('>II', png[16:24])
            step('file', lambda: req('GET', f'{BASE}/documents/{doc}/file', headers=web('clerk')), rec)
            for a, who, payload in [('register', 'clerk', {}), ('assign', 'officer', {'assignee_id': hid}), ('start', 'handler', {}),
                                    ('complete', 'handler', {}), ('archive', 'clerk', {})]:
                st, d, _ = step(a, lambda: req('POST', f'{API}/documents/{doc}/actions/{a}', json.dumps(payload).encode(),
                                                dict(H(who), **{'Content-Type': 'application/json'})), rec)
                if st == 422 and a == 'register':  # an invalid signature: registered with override and a reason
                    st, d, _ = step('register_override', lambda: req('POST', f'{API}/documents/{doc}/actions/register', json.dumps({'override': True, 'comment': 'chữ ký không hợp lệ, vẫn vào sổ'}).encode(),
                                                dict(H(who), **{'Content-Type': 'application/json'})), rec)
                if st != 200:
                    break
            rec['doc'] = doc
        # the public verify page (double-submit CSRF: any matching cookie and field)
        csrf = 'x' * 40
        vb, vct = multipart([('csrf_token', csrf, None)], [('file', name, data)])
        step('web_verify', lambda: req('POST', BASE + '/verify', vb, {'Content-Type': vct, 'Cookie': 'vanthu_prelogin=' + csrf, 'X-Forwarded-For': '10.9.%d.%d' % (len(results) // 250, len(results) % 250)}), rec)
        # the web form
        st, page, _, _ = req('GET', BASE + '/incoming/new', headers=web('clerk'))
        m = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        fb, fct = multipart([('csrf_token', m.group(1) if m else b'', None), ('type', 'CV', None), ('subject', 'Quét web ' + name, None),
                             ('original_number', '7/UBND', None), ('original_date', '20/11/2026', None), ('sender_name', 'UBND thành phố', None),
                             ('sender_org_id', '000.00.00.H13', None), ('urgency', 'normal', None), ('confidentiality', 'normal', None)],
                            [('file', name, data)])
        step('web_form', lambda: req('POST', BASE + '/incoming/new', fb, dict(web('clerk'), **{'Content-Type': fct})), rec)
        print(name, json.dumps(rec, ensure_ascii=False), flush=True)
        json.dump(results, open(OUT, 'w'), indent=1, ensure_ascii=False)


main()
