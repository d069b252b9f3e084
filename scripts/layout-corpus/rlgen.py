# ReportLab drafts, words placed one by one (as a hand-made tool writes
# them), and their /ToUnicode maps changed afterwards (PyMuPDF).
import re, unicodedata, fitz
from reportlab.pdfgen import canvas
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
import gen
pdfmetrics.registerFont(TTFont('Tinos', '/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf'))
pdfmetrics.registerFont(TTFont('Tinos-Bold', '/usr/share/fonts/truetype/croscore/Tinos-Bold.ttf'))
pdfmetrics.registerFont(TTFont('Tinos-Italic', '/usr/share/fonts/truetype/croscore/Tinos-Italic.ttf'))

def draw(cv, font, size, x, y, text, nfd=False, centre=False):
    if nfd:
        text = unicodedata.normalize('NFD', text)
    cv.setFont(font, size)
    if centre:
        x -= pdfmetrics.stringWidth(text, font, size) / 2
    cv.drawString(x, y, text)
    return x + pdfmetrics.stringWidth(text, font, size)

def reportlab(c, path):
    nfd = c['tu'] in ('marks-apart', 'spacing-marks')
    cv = canvas.Canvas(path, pagesize=A4)
    W, H = A4
    s = 13
    L, R = 160, 400
    draw(cv, 'Tinos-Bold', 12, L, 780, 'ỦY BAN NHÂN DÂN', nfd, True)
    draw(cv, 'Tinos-Bold', 12, L, 765, 'QUẬN NINH KIỀU', nfd, True)
    x = draw(cv, 'Tinos', s, L - 60, 745, 'Số:', nfd)
    draw(cv, 'Tinos', s, x + 30, 745, '/QĐ-UBND', nfd)
    draw(cv, 'Tinos-Bold', 12, R, 780, 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', nfd, True)
    draw(cv, 'Tinos-Bold', s, R, 765, 'Độc lập - Tự do - Hạnh phúc', nfd, True)
    x = draw(cv, 'Tinos-Italic', s, R - 110, 745, 'Ninh Kiều, ngày', nfd)
    x = draw(cv, 'Tinos-Italic', s, x + 22, 745, 'tháng', nfd)
    draw(cv, 'Tinos-Italic', s, x + 22, 745, 'năm 2026', nfd)
    draw(cv, 'Tinos-Bold', 14, W / 2 + 40, 700, 'QUYẾT ĐỊNH', nfd, True)
    y = 670
    for i in range(4):
        for part in re.findall(r'.{1,85}(?:\s|$)', gen.para(i + 1)):
            draw(cv, 'Tinos', s, 85, y, part.strip(), nfd)
            y -= 18
    y -= 10
    draw(cv, 'Tinos-Bold', 12, 85, y, 'Nơi nhận:', nfd)
    draw(cv, 'Tinos', 11, 85, y - 14, '- Như Điều 3;', nfd)
    draw(cv, 'Tinos', 11, 85, y - 28, '- Lưu: VT.', nfd)
    for t in c['sig'][0]:
        draw(cv, 'Tinos-Bold', s, 420, y, t, nfd, True)
        y -= 16
    draw(cv, 'Tinos-Bold', s, 420, y - 70, c['names'][0], nfd, True)
    cv.showPage()
    cv.save()
    if c['tu'] in ('base-letters', 'no-vietnamese', 'spacing-marks'):
        retouch(path, c['tu'])

def retouch(path, how):
    doc = fitz.open(path)
    for xref in range(1, doc.xref_length()):
        if not doc.xref_is_stream(xref):
            continue
        data = doc.xref_stream(xref)
        if b'beginbfchar' not in data and b'beginbfrange' not in data:
            continue
        def sub(m):
            u = bytes.fromhex(m.group(2).decode()).decode('utf-16-be')
            if all(ord(ch) < 128 for ch in u):
                return m.group(0)
            if how == 'no-vietnamese':
                return b''
            if how == 'spacing-marks':
                sp = {'\u0300': '\u0060', '\u0301': '\u00b4', '\u0303': '\u02dc', '\u0309': '\u02c0', '\u0323': '\u02d4',
                      '\u0302': '\u02c6', '\u0306': '\u02d8', '\u031b': '\u02bc'}
                if u not in sp:
                    return m.group(0)
                return m.group(1) + b' <' + sp[u].encode('utf-16-be').hex().upper().encode() + b'>'
            base = ''.join(ch for ch in unicodedata.normalize('NFD', u) if not unicodedata.combining(ch)).replace('đ', 'd').replace('Đ', 'D')
            return m.group(1) + b' <' + base.encode('utf-16-be').hex().upper().encode() + b'>'
        data = re.sub(rb'beginbfchar.*?endbfchar', lambda sec: re.sub(rb'(<[0-9A-Fa-f]+>)\s*<([0-9A-Fa-f]+)>', sub, sec.group(0)), data, flags=re.S)
        doc.update_stream(xref, data)
    doc.save(path + '.tmp', garbage=0)
    doc.close()
    import os
    os.replace(path + '.tmp', path)
