#!/usr/bin/python3
# Where the parts of each corpus draft really are (PyMuPDF's characters, of
# the NFC twin where the draft's text is decomposed or its /ToUnicode
# changed), and how DetectLayout's finding ($DETECT, default
# $CORPUS_DIR/detect) compares. Coordinates: PDF points from the page's
# lower-left. Arguments: the cases to judge (default all).
import fitz, json, os, re, subprocess, sys, unicodedata
HERE = os.environ.get('CORPUS_DIR', '/tmp/layout-corpus')

def fold(s):
    s = s.replace('Đ', 'D').replace('đ', 'd')
    return ''.join(ch for ch in unicodedata.normalize('NFD', s) if not unicodedata.combining(ch)).lower()

def lines(page):
    ph = page.rect.height
    chars = []
    for b in page.get_text('rawdict')['blocks']:
        for l in b.get('lines', []):
            if abs(l['dir'][1]) > 0.01:
                continue
            for sp in l['spans']:
                for ch in sp['chars']:
                    x0, y0, x1, y1 = ch['bbox']
                    if unicodedata.combining(ch['c']):
                        continue
                    chars.append(dict(c=ch['c'], x0=x0, x1=x1, y=ph - ch['origin'][1], s=sp['size']))
    chars.sort(key=lambda c: (-round(c['y'] * 2) / 2, c['x0']))
    out = []
    for c in chars:
        if out and abs(out[-1][0]['y'] - c['y']) <= 1.5:
            out[-1].append(c)
        else:
            out.append([c])
    res = []
    for l in out:
        l.sort(key=lambda c: c['x0'])
        text, idx = '', []
        for k, c in enumerate(l):
            if k and c['x0'] - l[k - 1]['x1'] > 0.25 * c['s'] and c['c'] != ' ' and l[k - 1]['c'] != ' ':
                text += ' '
                idx.append(dict(l[k - 1], x0=l[k - 1]['x1'], c=' '))
            f = fold(c['c']) or ' '
            for ch in f:
                text += ch
                idx.append(c)
        res.append((text, idx, l))
    return res

def find(pages, pat, pageno=None, last=False):
    hits = []
    for pn, ls in enumerate(pages, 1):
        if pageno and pn != pageno:
            continue
        for text, idx, l in ls:
            for m in re.finditer(pat, text):
                hits.append((pn, text, idx, m))
    if not hits:
        return None
    return hits[-1] if last else hits[0]

def truth(path, case):
    doc = fitz.open(path)
    pages = [lines(p) for p in doc]
    t = {'ph': [p.rect.height for p in doc], 'pw': [p.rect.width for p in doc]}
    h = find(pages, r'(^|[^a-z])so\s*:\s*[\s.…_]*/', 1)
    if h:
        pn, text, idx, m = h
        colon = text.index(':', m.start())
        slash = m.end() - 1
        t['number'] = dict(x0=idx[colon]['x1'], x1=idx[slash]['x0'], y=idx[colon]['y'])
    h = find(pages, r'ngay', 1)
    if h:
        pn, text, idx, m = h
        d = dict(y=idx[m.start()]['y'], ngay1=idx[m.end() - 1]['x1'], s=idx[m.start()]['s'])
        rest = text[m.end():]
        mm = re.match(r'([\s._…\d]*)thang([\s._…\d]*)nam([\s._…]*)(\d*)', rest)
        if mm:
            o = m.end()
            d['day'] = [d['ngay1'], idx[o + mm.start(1) + len(mm.group(1))]['x0']] if True else None
            d['day'] = [d['ngay1'], idx[o + mm.end(1)]['x0']]
            d['dayfilled'] = bool(re.search(r'\d', mm.group(1)))
            d['month'] = [idx[o + mm.end(1) + 4]['x1'], idx[o + mm.end(2)]['x0']]
            d['monthfilled'] = bool(re.search(r'\d', mm.group(2)))
            d['yearfilled'] = mm.group(4) == '2026' or (mm.group(4) != '' and len(mm.group(4)) == 4)
            d['yearx'] = idx[o + mm.end(2) + 2]['x1']
            tail = text[o + mm.end(3):]
            d['yearshort'] = bool(re.match(r'20(?![0-9])', tail))
            if d['yearshort']:
                d['yearx'] = idx[o + mm.end(3) + 1]['x1']
            if not mm.group(4) and text[o + mm.end(3):].strip() == '':
                below = [x for x in pages[0] if 0.5 * d['s'] < d['y'] - (x[2][0]['y']) < 1.6 * d['s']]
                d['yearfilled'] = any(re.fullmatch(r'\s*\d{4}\s*', x[0]) for x in below)
        else:
            d['wrapped'] = True
            below = [x for x in pages[0] if 0.5 * d['s'] < d['y'] - x[2][0]['y'] < 1.8 * d['s']]
            for text2, idx2, l2 in below[:1]:
                m2 = re.match(r'([\s._…]*)thang([\s._…\d]*)nam([\s._…]*)(\d*)', text2)
                if not m2:
                    continue
                y2 = idx2[0]['y']
                lead = [idx2[0]['x0'], idx2[m2.end(1)]['x0']]
                regions = [(y2, lead)] if lead[1] - lead[0] >= d['s'] else []
                regions.append((d['y'], [d['ngay1'], d['ngay1'] + 3 * d['s']]))
                d['dayregions'] = regions
                d['monthregion'] = (y2, [idx2[m2.end(1) + 4]['x1'], idx2[m2.end(2)]['x0']])
                d['yearfilled'] = len(m2.group(4)) == 4
        t['date'] = d
    # the signature block whose name is expected: the last one of the case
    name = fold(case['names'][-1])
    title = fold(case['sig'][-1][-1])
    loose = lambda w: ' ?'.join(re.escape(ch) for ch in w)
    hn = find(pages, loose(name), last=True)
    ht = find(pages, r'(^|\s)' + loose(title) + r'(\s|$)', last=True)
    if hn and ht:
        def span(h):
            pn, text, idx, m = h
            cs = idx[m.start():m.end()]
            cs = [c for c in cs if c['c'].strip()]
            return dict(page=pn, y=cs[0]['y'], x0=min(c['x0'] for c in cs), x1=max(c['x1'] for c in cs), s=cs[0]['s'])
        t['name'], t['title'] = span(hn), span(ht)
        t['blocks'] = len(case['names'])
    return t

def judge(t, det):
    l = det.get('layout') or {}
    r = {}
    n, tn = l.get('Number'), t.get('number')
    if not tn:
        r['number'] = 'no-truth'
    elif not n:
        r['number'] = 'MISSING'
    else:
        right = n['X'] + n['W']
        ok = n['Page'] <= 1 and n['X'] >= tn['x0'] - 1.5 and abs(right - tn['x1']) <= 4 and n['Y'] <= tn['y'] <= n['Y'] + n['H']
        r['number'] = 'ok' if ok else 'WRONG %.1f..%.1f@%.1f want %.1f..%.1f@%.1f' % (n['X'], right, n['Y'], tn['x0'], tn['x1'], tn['y'])
    d, td = l.get('Date'), t.get('date')
    if not td:
        r['date'] = 'no-truth'
    elif not d:
        r['date'] = 'MISSING'
    elif td.get('wrapped'):
        b = l.get('DateBlanks') or [0, 0, 0]
        below = l.get('DateBlanksBelow') or [0, 0, 0]
        def inside(i, y, xs):
            x, yy = d['X'] + b[i], d['Y'] - below[i]
            return b[i] > 0 and xs[0] - 1 <= x <= xs[1] + 1 and yy <= y <= yy + d['H']
        errs = []
        if 'monthregion' not in td:
            errs.append('no truth for the second line')
        else:
            if not any(inside(0, y, xs) for y, xs in td['dayregions']):
                errs.append('day at %.1f,%.1f want %s' % (d['X'] + b[0], d['Y'] - below[0], td['dayregions']))
            if not inside(1, *td['monthregion']):
                errs.append('month at %.1f,%.1f want %s' % (d['X'] + b[1], d['Y'] - below[1], td['monthregion']))
            if td['yearfilled'] != (b[2] == 0):
                errs.append('year blank %.1f, filled %s' % (b[2], td['yearfilled']))
        r['date'] = 'ok' if not errs else 'WRONG ' + '; '.join(errs)
    else:
        b = l.get('DateBlanks') or [0, 0, 0]
        errs = []
        if not (d['Y'] <= td['y'] <= d['Y'] + d['H']):
            errs.append('line y %.1f want %.1f' % (d['Y'], td['y']))
        for k, i in (('day', 0), ('month', 1)):
            lo, hi = td[k]
            if td[k + 'filled']:
                if b[i] != 0:
                    errs.append('%s filled but blank %.1f' % (k, b[i]))
            elif not (lo - 1 <= d['X'] + b[i] <= hi + 1) or b[i] == 0:
                errs.append('%s at %.1f want %.1f..%.1f' % (k, d['X'] + b[i], lo, hi))
        if td['yearfilled'] != (b[2] == 0):
            errs.append('year blank %.1f, filled %s' % (b[2], td['yearfilled']))
        if td.get('yearshort') != bool(l.get('DateShortYear')):
            errs.append('short year %s, want %s' % (l.get('DateShortYear'), td.get('yearshort')))
        elif td.get('yearshort') and not (td['yearx'] <= d['X'] + b[2] <= td['yearx'] + 2 * td['s']):
            errs.append('year at %.1f, want just after %.1f' % (d['X'] + b[2], td['yearx']))
        r['date'] = 'ok' if not errs else 'WRONG ' + '; '.join(errs)
    s, tt, tn = l.get('Signature'), t.get('title'), t.get('name')
    if not tn:
        r['sig'] = 'no-truth'
    elif not s:
        r['sig'] = 'MISSING'
    else:
        cx = s['X'] + s['W'] / 2
        top, bot = s['Y'] + s['H'], s['Y']
        errs = []
        if s['Page'] == tn['page']:
            col = (tn['x0'] + tn['x1']) / 2
            if bot < tn['y'] - 1:
                errs.append('below the name')
            if tt['page'] == tn['page'] and top > tt['y'] + 1:
                errs.append('over the title')
        elif s['Page'] == tt['page']:
            col = (tt['x0'] + tt['x1']) / 2
            if top > tt['y'] + 1:
                errs.append('over the title')
        else:
            errs.append('page %d, want %d/%d' % (s['Page'], tt['page'], tn['page']))
            col = cx
        if abs(cx - col) > 25:
            errs.append('centre %.1f want %.1f' % (cx, col))
        r['sig'] = 'ok' if not errs else 'WRONG %s (box %s; title p%d y%.1f name p%d y%.1f)' % ('; '.join(errs), s, tt['page'], tt['y'], tn['page'], tn['y'])
    return r

def main():
    man = json.load(open(os.path.join(HERE, 'manifest.json')))
    only = sys.argv[1:]
    ids = [i for i in man if not only or i in only]
    files = [os.path.join(HERE, 'out', i + '.pdf') for i in ids]
    outp = subprocess.run([os.environ.get('DETECT', os.path.join(HERE, 'detect'))] + files, capture_output=True, text=True, check=True).stdout
    dets = [json.loads(x) for x in outp.splitlines()]
    res = {}
    for i, det in zip(ids, dets):
        m = man[i]
        t = truth(m['twin'] or os.path.join(HERE, 'out', i + '.pdf'), m['case'])
        r = judge(t, det)
        r['notes'] = det.get('notes')
        res[i] = r
        bad = [k for k in ('number', 'date', 'sig') if r[k] != 'ok']
        print('%-28s %s' % (i, 'OK' if not bad else ' | '.join('%s: %s' % (k, r[k]) for k in bad)))
    tot = len(res)
    for k in ('number', 'date', 'sig'):
        print('%s ok %d/%d' % (k, sum(1 for r in res.values() if r[k] == 'ok'), tot))
    print('all ok %d/%d' % (sum(1 for r in res.values() if all(r[k] == 'ok' for k in ('number', 'date', 'sig'))), tot))
    json.dump(res, open(os.path.join(HERE, 'results.json'), 'w'), ensure_ascii=False, indent=1)

if __name__ == "__main__":
    main()
