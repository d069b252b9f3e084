#!/usr/bin/python3
"""What drive.py asks of PyMuPDF, printed as JSON:
  fitzinfo.py boxes DRAFT ISSUED — per page of ISSUED, the rectangles (top-left origin, points)
    of the annotations and widgets it has and DRAFT had not;
  fitzinfo.py truth DRAFT — where the signature block's title, the name and "Số:" are."""
import json, sys
import fitz
import d30


def rects(p):
    out = []
    with fitz.open(p) as doc:
        for pg in doc:
            m = pg.rotation_matrix
            out.append([[round(v, 1) for v in (a.rect * m)] for a in pg.annots()] +
                       [[round(v, 1) for v in (w.rect * m)] for w in pg.widgets()])
    return out


def boxes(draft, issued):
    a, b = rects(draft), rects(issued)
    return [[r for r in b[i] if r not in (a[i] if i < len(a) else [])] for i in range(len(b))]


def truth(draft):
    res = {}
    with fitz.open(draft) as doc:
        n = len(doc)
        for key, texts in [('sigtitle', [d30.SIG[1], d30.fold(d30.SIG[1])]), ('name', [d30.NAME, d30.fold(d30.NAME)]),
                           ('so', ['Số:', 'So:'])]:
            pages = range(n) if key == 'so' else range(n - 1, -1, -1)
            for i in pages:
                pg = doc[i]
                hits = [r * pg.rotation_matrix for t in texts for r in pg.search_for(t)]  # as displayed
                if hits:
                    r = hits[0] if key == 'so' else hits[-1]
                    h = pg.rect.height
                    res[key] = {'page': i + 1, 'top': round(h - r.y0, 1), 'bottom': round(h - r.y1, 1),
                                'x0': round(r.x0, 1), 'x1': round(r.x1, 1)}
                    break
        res['pages'] = n
    return res


print("\n" + json.dumps(boxes(sys.argv[2], sys.argv[3]) if sys.argv[1] == 'boxes' else truth(sys.argv[2])))
