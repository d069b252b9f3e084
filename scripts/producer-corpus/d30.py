"""The Decree 30 draft every producer lays out: a Quyết định of UBND quận
Ninh Kiều with the number and date left blank (Appendix I layout), as HTML,
as Markdown, as plain text, and as a list of placed lines (spec) for the
producers that draw text at positions themselves. fold() gives the text
without diacritics for producers whose fonts have no Vietnamese letters."""
import html, textwrap, unicodedata

NBSP = '\u00a0'
AGENCY = ['ỦY BAN NHÂN DÂN', 'QUẬN NINH KIỀU']
NUMBER = 'Số:' + NBSP * 8 + '/QĐ-UBND'
MOTTO = ['CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc']
DATE = 'Ninh Kiều, ngày' + NBSP * 6 + 'tháng' + NBSP * 6 + 'năm 2026'
TITLE = ['QUYẾT ĐỊNH', 'Về việc ban hành Quy chế làm việc']
SIG = ['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH']
NAME = 'Nguyễn Văn An'
RECV = ['Nơi nhận:', '- Như Điều 3;', '- Lưu: VT.']
FONT = '/usr/share/fonts/truetype/croscore/Tinos-%s.ttf'


def para(n):
    return ('Điều %d. Quy định về trách nhiệm, quyền hạn và mối quan hệ công tác của các cơ quan, đơn vị trực thuộc '
            'Ủy ban nhân dân quận trong việc tiếp nhận, xử lý và phát hành văn bản điện tử theo quy định hiện hành; '
            'căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015.' % n)


def fold(s, nbsp=' '):
    s = s.replace('Đ', 'D').replace('đ', 'd').replace(NBSP, nbsp)
    return ''.join(c for c in unicodedata.normalize('NFD', s) if not unicodedata.combining(c))


def html_doc(paras=4, font='Tinos', page='A4', ascii=False):
    f = (lambda s: fold(s, NBSP)) if ascii else (lambda s: s)
    e = lambda s: html.escape(f(s)).replace(NBSP, '&nbsp;')
    left = '<b>%s</b><br>%s' % ('<br>'.join(e(a) for a in AGENCY), e(NUMBER))
    right = '<b>%s<br>%s</b><br><i>%s</i>' % (e(MOTTO[0]), e(MOTTO[1]), e(DATE))
    body = ''.join('<p>%s</p>' % e(para(i + 1)) for i in range(paras))
    sig = '<b>%s<br>%s</b>%s<b>%s</b>' % (e(SIG[0]), e(SIG[1]), '<br>' * 5, e(NAME))
    rec = '<b><i>%s</i></b><br>%s<br>%s' % tuple(e(r) for r in RECV)
    css = ('@page{size:%s;margin:2cm 1.5cm 2cm 3cm} body{font-family:"%s";font-size:13pt;margin:0} '
           'table{width:100%%;border-collapse:collapse} td{text-align:center;vertical-align:top;padding:0;width:50%%} '
           'td.l{text-align:left;font-size:11pt} p{text-align:justify;text-indent:1cm;margin:0 0 6pt 0} '
           'h3{text-align:center;margin:18pt 0 12pt 0;font-size:14pt}') % (page, font)
    return ('<!doctype html><html><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
            '<table><tr><td>%s</td><td>%s</td></tr></table><h3>%s<br>%s</h3>%s'
            '<table><tr><td class="l">%s</td><td>%s</td></tr></table></body></html>') % (
        e(TITLE[0]), css, left, right, e(TITLE[0]), e(TITLE[1]), body, rec, sig)


def markdown(paras=4, ascii=False):
    f = (lambda s: fold(s, NBSP)) if ascii else (lambda s: s)  # pandoc keeps no-break spaces (LaTeX: ~)
    lines = ['**%s**  ' % f(AGENCY[0]), '**%s**  ' % f(AGENCY[1]), f(NUMBER), '',
             '**%s**  ' % f(MOTTO[0]), '**%s**  ' % f(MOTTO[1]), '*%s*' % f(DATE), '',
             '# %s' % f(TITLE[0]), '', f(TITLE[1]), '']
    lines += [f(para(i + 1)) + '\n' for i in range(paras)]
    lines += ['**%s**  ' % f(SIG[0]), '**%s**' % f(SIG[1]), '', '\\', '\\', '\\', '', '**%s**' % f(NAME), '',
              '***%s***  ' % f(RECV[0]), f(RECV[1]) + '  ', f(RECV[2])]
    return '\n'.join(lines) + '\n'


def text(paras=4, ascii=False, width=72):
    f = fold if ascii else (lambda s: s)
    c = lambda s: f(s).center(width).rstrip()
    lines = [c(AGENCY[0]), c(AGENCY[1]), c(NUMBER), '', c(MOTTO[0]), c(MOTTO[1]), c(DATE), '', c(TITLE[0]), c(TITLE[1]), '']
    for i in range(paras):
        lines += textwrap.wrap(f(para(i + 1)), width) + ['']
    right = lambda s: ' ' * (width // 2) + f(s).center(width // 2).rstrip()
    lines += [right(SIG[0]), right(SIG[1]), '', '', '', '', right(NAME), '', f(RECV[0]), f(RECV[1]), f(RECV[2])]
    return '\n'.join(lines) + '\n'


def spec(pages=1, ascii=False, w=595.28, h=841.89):
    """Placed lines: {'t', 'x' (left), 'y' (baseline from the bottom), 's', 'b', 'i'} per page;
    widths measured with Tinos (Times New Roman's metrics, so Times-Roman too)."""
    from PIL import ImageFont
    f = fold if ascii else (lambda s: s)
    fonts = {}

    def width(t, s, b, i):
        key = ('BoldItalic' if i else 'Bold') if b else ('Italic' if i else 'Regular')
        if key not in fonts:
            fonts[key] = ImageFont.truetype(FONT % key, 1000)
        return fonts[key].getlength(t) * s / 1000

    out, page = [], []
    l, r = 85.0, w - 42.5

    def put(t, x, y, s=13, b=False, i=False, align='l'):
        t = f(t)
        wd = width(t, s, b, i)
        page.append({'t': t, 'x': round(x - wd / 2 if align == 'c' else x, 2), 'y': round(y, 2), 's': s, 'b': b, 'i': i})

    lc, rc = l + (r - l) * 0.22, l + (r - l) * 0.70
    put(AGENCY[0], lc, h - 70, 12, align='c')
    put(AGENCY[1], lc, h - 85, 12, True, align='c')
    put(NUMBER, lc, h - 105, 13, align='c')
    put(MOTTO[0], rc, h - 70, 12, True, align='c')
    put(MOTTO[1], rc, h - 85, 13, True, align='c')
    put(DATE, rc, h - 105, 13, i=True, align='c')
    put(TITLE[0], (l + r) / 2, h - 150, 14, True, align='c')
    put(TITLE[1], (l + r) / 2, h - 167, 13, True, align='c')
    y = h - 200
    n = 0
    for p in range(pages):
        k = 3 if p < pages - 1 else 2
        for _ in range(k):
            n += 1
            for line in textwrap.wrap(f(para(n)), 78):
                put(line, l, y)
                y -= 17
            y -= 6
        if p < pages - 1:
            out.append(page)
            page = []
            y = h - 70
    y -= 20
    put(SIG[0], rc, y, 13, True, align='c')
    put(SIG[1], rc, y - 16, 13, True, align='c')
    put(NAME, rc, y - 110, 13, True, align='c')
    put(RECV[0], l, y, 12, True, True)
    put(RECV[1], l, y - 14, 11)
    put(RECV[2], l, y - 28, 11)
    out.append(page)
    return {'w': w, 'h': h, 'pages': out, 'font': FONT}
