#!/usr/bin/python3
# A corpus of Decree 30 drafts for the layout detection (signing.DetectLayout):
# HTML printed by Chromium, docx (python-docx) printed by LibreOffice, XeLaTeX,
# ReportLab pages whose /ToUnicode maps are changed afterwards, and drafts
# typed in TCVN3, VNI and Windows-1258 legacy fonts (legacy.py) by Chromium and LibreOffice. Writes the
# drafts and manifest.json (what each holds) to $CORPUS_DIR. See run.sh.
import json, os, subprocess, sys, unicodedata, html
HERE = os.environ.get('CORPUS_DIR', '/tmp/layout-corpus')
OUT = os.path.join(HERE, 'out')
os.makedirs(OUT, exist_ok=True)

TYPES = {  # code: (name in header, notation suffix, has V/v)
 'QD': ('QUYẾT ĐỊNH', 'QĐ-UBND', False), 'CV': (None, 'UBND-VP', True), 'TTR': ('TỜ TRÌNH', 'TTr-UBND', False),
 'BC': ('BÁO CÁO', 'BC-UBND', False), 'KH': ('KẾ HOẠCH', 'KH-UBND', False), 'TB': ('THÔNG BÁO', 'TB-UBND', False),
 'GM': ('GIẤY MỜI', 'GM-UBND', False), 'CT': ('CHỈ THỊ', 'CT-UBND', False), 'QC': ('QUY CHẾ', 'QC-UBND', False)}
BLANK = {'nbsp': '\u00a0' * 8, 'dots': '.' * 9, 'underscore': '_' * 8, 'spaces': ' ' * 8, 'tab': '\t', 'ellipsis': '…' * 3}

def para(n):
    return ('Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Điều %d. Quy định về trách nhiệm, '
            'quyền hạn và mối quan hệ công tác của các cơ quan, đơn vị trực thuộc Ủy ban nhân dân quận trong việc tiếp nhận, '
            'xử lý và phát hành văn bản điện tử theo quy định hiện hành.' % n)

def default(**kw):
    c = dict(type='QD', blank='nbsp', place='Ninh Kiều', agency=['ỦY BAN NHÂN DÂN', 'QUẬN NINH KIỀU'],
             date='blank', datewrap=None, sig=[['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH']], names=['Nguyễn Văn An'],
             joint=None, paras=4, page='A4', uni='nfc', receivers=True, gap=5, font='Tinos', size=13, pagebreak=False)
    c.update(kw)
    return c

def date_text(c):
    p = c['place']
    forms = {'blank': ', ngày\u00a0\u00a0\u00a0\u00a0\u00a0 tháng\u00a0\u00a0\u00a0\u00a0\u00a0 năm 2026',
             'dots': ', ngày ..... tháng ..... năm 2026', 'zero': ', ngày 05 tháng 01 năm 2026',
             'yearblank': ', ngày\u00a0\u00a0\u00a0\u00a0\u00a0 tháng\u00a0\u00a0\u00a0\u00a0\u00a0 năm 20\u00a0\u00a0\u00a0',
             'underscore': ', ngày ____ tháng ____ năm 2026', 'zeroblank': ', ngày 0\u00a0\u00a0 tháng 0\u00a0\u00a0 năm 2026',
             'form20': ', ngày … tháng … năm 20…', 'form20sp': ', ngày\u00a0\u00a0\u00a0\u00a0 tháng\u00a0\u00a0\u00a0\u00a0 năm 20\u00a0\u00a0\u00a0\u00a0'}
    return p + forms[c['date']]

LEGACY = {'tcvn3': '.VnTime', 'vni': 'VNI-Times', 'cp1258': 'Tinos1258'}  # legacy.py: text in a legacy font's look-alikes

def uni(c, s):
    if c['uni'] in LEGACY:  # an HTML document: its text nodes, words in the uppercase font spanned
        import re, legacy
        span = '<span style="font-family:\'.VnTimeH\'">%s</span>'
        return re.sub(r'>([^<>]+)<', lambda m: '>' + ''.join(span % t if up else t for up, t in legacy.segments(c['uni'], m.group(1))) + '<', s)
    if c['uni'] == 'nfd':
        return unicodedata.normalize('NFD', s)
    if c['uni'] == 'tohop':  # Unikey "Unicode tổ hợp": base with its hat/horn/breve + a combining tone mark
        tones = '\u0300\u0301\u0303\u0309\u0323'
        res = ''
        for ch in unicodedata.normalize('NFD', s):
            if ch in tones or not unicodedata.combining(ch):
                res += ch
            else:
                res = res[:-1] + unicodedata.normalize('NFC', res[-1] + ch)
        return res
    return s

def sig_html(c, titles, name):
    tag = 'strong' if c.get('boldtitles') else 'b'  # boldtitles: the only bold text (html_doc)
    t = '<br>'.join('<%s>%s</%s>' % (tag, html.escape(x), tag) for x in titles)
    if c.get('hint'):
        t += '<br><i>%s</i>' % html.escape(c['hint'])
    return '%s%s<b>%s</b>' % (t, '<br>' * c['gap'], html.escape(name))

ATTACH_HEAD = ['QUY CHẾ', 'Làm việc của Ủy ban nhân dân quận Ninh Kiều',
               '(Ban hành kèm theo Quyết định số\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/QĐ-UBND ngày\u00a0\u00a0\u00a0\u00a0 tháng\u00a0\u00a0\u00a0\u00a0 năm 2026 của Ủy ban nhân dân quận Ninh Kiều)']

def attachment_html(c):
    if not c.get('attach'):
        return ''
    h = '<div style="break-before:page"></div><h3 style="text-align:center">%s<br>%s</h3><p style="text-align:center"><i>%s</i></p>' % tuple(html.escape(x) for x in ATTACH_HEAD)
    return h + ''.join('<p>%s</p>' % html.escape(para(i + 1)) for i in range(c['attach'] * 9))

def sig_area(c):
    rec = '<b>Nơi nhận:</b><br>- Như Điều 3;<br>- Lưu: VT.' if c['receivers'] else ''
    blocks = [sig_html(c, t, n) for t, n in zip(c['sig'], c['names'])]
    j = c['joint']
    if j is None:
        return '<table class="sig"><tr><td class="l">%s</td><td>%s</td></tr></table>' % (rec, blocks[0])
    if j == 'side':
        cells = ''.join('<td>%s</td>' % b for b in blocks)
        return '<table class="sig"><tr>%s</tr></table><p class="rec">%s</p>' % (cells, rec)
    if j == 'stacked':  # 3 blocks: two side by side, a third on the right below
        return ('<table class="sig"><tr><td>%s</td><td>%s</td></tr></table>' % (blocks[0], blocks[1]) +
                '<table class="sig"><tr><td class="l">%s</td><td>%s</td></tr></table>' % (rec, blocks[2]))
    raise ValueError(j)

CSS = '''@page{size:%(page)s;margin:2cm 1.5cm 2cm 3cm} body{font-family:"%(font)s";font-size:%(size)spt;margin:0}
table{width:100%%;border-collapse:collapse} td{text-align:center;vertical-align:top;padding:0}
td.l{text-align:left;font-size:11pt} p{text-align:justify;text-indent:1cm;margin:0 0 6pt 0} .pre{white-space:pre-wrap}
td.dl{width:%(dlw)s}'''

def html_doc(c):
    name, suffix, vv = TYPES[c['type']]
    num = 'Số:%s/%s' % (BLANK[c['blank']], suffix)
    num = '<span class="pre">%s</span>' % html.escape(num) if c['blank'] in ('spaces', 'tab') else html.escape(num)
    left = '<b>%s</b><br>%s' % ('<br>'.join(html.escape(a) for a in c['agency']), num)
    if vv:
        left += '<br><span style="font-size:12pt">V/v triển khai công tác văn thư năm 2026</span>'
    dt = html.escape(date_text(c))
    dlw = 'auto'
    if c['datewrap'] == 'after-ngay':
        dt = html.escape(c['place'] + ', ngày') + '<br>' + html.escape('\u00a0\u00a0\u00a0\u00a0 tháng\u00a0\u00a0\u00a0\u00a0\u00a0 năm 2026')
    elif c['datewrap'] == 'narrow':
        dlw = '38%'
    right = '<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</b><br><i>%s</i>' % dt
    if c.get('datecell'):  # the date line in a row of its own
        head = ('<table><tr><td>%s</td><td class="dl"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</b></td></tr>'
                '<tr><td></td><td class="dl"><i>%s</i></td></tr></table>') % (left, dt)
    else:
        head = '<table><tr><td>%s</td><td class="dl">%s</td></tr></table>' % (left, right)
    title = '<h3 style="text-align:center;margin:18pt 0 12pt 0">%s<br>Về việc ban hành Quy chế làm việc</h3>' % name if name else '<p></p>'
    body = ''.join('<p>%s</p>' % html.escape(para(i + 1)) for i in range(c['paras']))
    if c['pagebreak']:
        body += '<div style="height:%s"></div>' % c['pagebreak']
    css = CSS % dict(page=c['page'], font=c['font'], size=c['size'], dlw=dlw)
    main = head + title + body + sig_area(c) + attachment_html(c)
    if c.get('boldtitles'):  # the signer's titles the only bold text: their font has two or three words
        css += ' h3{font-weight:normal}'
        main = main.replace('<b>', '<span>').replace('</b>', '</span>')
    doc = '<!doctype html><html><head><meta charset="utf-8"><style>%s</style></head><body>%s</body></html>' % (css, main)
    return uni(c, doc)

def chromium(c, path):
    h = path[:-4] + '.html'
    open(h, 'w').write(html_doc(c))
    subprocess.run(['chromium', '--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer',
                    '--print-to-pdf=' + path, 'file://' + h], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

CASES = {}
def case(cid, producer, **kw):
    CASES[cid] = (producer, default(**kw))

# document types and number blanks
for t, b in [('QD', 'nbsp'), ('CV', 'dots'), ('TTR', 'underscore'), ('BC', 'spaces'), ('KH', 'tab'), ('TB', 'ellipsis'), ('GM', 'dots'), ('CT', 'nbsp'), ('QC', 'spaces')]:
    case('type-%s-%s' % (t, b), 'chromium', type=t, blank=b)
for b in ['nbsp', 'dots', 'underscore', 'spaces', 'tab']:
    case('lo-docx-%s' % b, 'lo-docx', blank=b)
case('lo-docx-CV-dots', 'lo-docx', type='CV', blank='dots')
# places and date forms
for i, (p, d) in enumerate([('TP. Hồ Chí Minh', 'blank'), ('Hà Nội', 'dots'), ('Bình Thủy', 'zero'), ('Quận Ninh Kiều', 'yearblank'),
                            ('Ninh Kiều', 'underscore'), ('Bình Thủy', 'zeroblank'), ('Ninh Kiều', 'form20'), ('Hà Nội', 'form20sp')]):
    case('date-%d-%s' % (i, d), 'chromium', place=p, date=d)
    case('lo-date-%d-%s' % (i, d), 'lo-docx', place=p, date=d)
case('date-wrap-after-ngay', 'chromium', datewrap='after-ngay')
case('date-wrap-narrow', 'chromium', datewrap='narrow', place='Thành phố Hồ Chí Minh')
case('date-own-row', 'chromium', datecell=True)
case('lo-date-tabs', 'lo-docx', datetabs=True)
case('lo-date-wrap-after-ngay', 'lo-docx', datewrap='after-ngay')
# signature blocks
for i, t in enumerate([['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH'], ['TL. CHỦ TỊCH', 'CHÁNH VĂN PHÒNG'],
                       ['TUQ. CHỦ TỊCH', 'CHÁNH VĂN PHÒNG'], ['Q. CHỦ TỊCH'], ['TM. ỦY BAN NHÂN DÂN', 'KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH'],
                       ['TL. CHỦ TỊCH', 'KT. CHÁNH VĂN PHÒNG', 'PHÓ CHÁNH VĂN PHÒNG'], ['CHỦ TỊCH'],
                       ['TM. ỦY BAN NHÂN DÂN', 'Q. CHỦ TỊCH'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH THƯỜNG TRỰC']]):
    case('sig-%d' % i, 'chromium', sig=[t])
    case('lo-sig-%d' % i, 'lo-docx', sig=[t])
case('sig-no-receivers', 'chromium', receivers=False)
for h in ['560pt', '575pt', '590pt', '600pt']:  # a page break inside the block
    case('sig-split-%s' % h, 'chromium', paras=1, pagebreak=h)
for f in [12, 13, 14, 15, 16]:
    case('lo-sig-split-%d' % f, 'lo-docx', paras=4, fill=f)
# joint documents
case('joint-2-side', 'chromium', sig=[['GIÁM ĐỐC CÔNG AN QUẬN'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc'], joint='side')
case('joint-2-side-b', 'chromium', sig=[['TRƯỞNG PHÒNG TÀI CHÍNH - KẾ HOẠCH'], ['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc'], joint='side')
case('joint-3-stacked', 'chromium', sig=[['TRƯỞNG PHÒNG NỘI VỤ'], ['TRƯỞNG PHÒNG TƯ PHÁP'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc', 'Phạm Văn Dũng'], joint='stacked')
case('joint-3-side', 'chromium', sig=[['CHÁNH VĂN PHÒNG'], ['TRƯỞNG PHÒNG TƯ PHÁP'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc', 'Phạm Văn Dũng'], joint='side', size=12)
case('lo-joint-2-side', 'lo-docx', sig=[['GIÁM ĐỐC CÔNG AN QUẬN'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc'], joint='side')
case('lo-joint-3-stacked', 'lo-docx', sig=[['TRƯỞNG PHÒNG NỘI VỤ'], ['TRƯỞNG PHÒNG TƯ PHÁP'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc', 'Phạm Văn Dũng'], joint='stacked')
# unicode forms
case('uni-nfd', 'chromium', uni='nfd')
case('uni-tohop', 'chromium', uni='tohop')
case('lo-uni-nfd', 'lo-docx', uni='nfd')
case('lo-uni-tohop', 'lo-docx', uni='tohop')
# page forms
case('page-landscape', 'chromium', page='A4 landscape')
case('page-a5', 'chromium', page='A5', size=11)
case('lo-page-a5', 'lo-docx', page='A5', size=11)
case('lo-landscape', 'lo-docx', page='A4 landscape')
case('agency-3-lines', 'chromium', agency=['ỦY BAN NHÂN DÂN', 'QUẬN NINH KIỀU', 'THÀNH PHỐ CẦN THƠ'])
case('agency-unit', 'chromium', agency=['UBND QUẬN NINH KIỀU', 'PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG'])
case('lo-agency-3-lines', 'lo-docx', agency=['ỦY BAN NHÂN DÂN', 'QUẬN NINH KIỀU', 'THÀNH PHỐ CẦN THƠ'])
case('font-dejavu', 'chromium', font='DejaVu Serif', size=12)
case('font-noto', 'chromium', font='Noto Serif', size=13)
case('lo-font-liberation', 'lo-docx', font='Liberation Serif')
case('lo-font-dejavu', 'lo-docx', font='DejaVu Serif', size=12)

case('sig-hint-daky', 'chromium', hint='(Đã ký)')
case('sig-hint-long', 'chromium', hint='(Ký, ghi rõ họ tên, đóng dấu)')
case('lo-sig-hint', 'lo-docx', hint='(Ký tên, đóng dấu)')
case('attach-2', 'chromium', attach=2, paras=3)
case('attach-5', 'chromium', attach=5, paras=3)
case('lo-attach-5', 'lo-docx', attach=5, paras=3)
for b in ['spaces', 'dots']:
    case('tex-%s' % b, 'xelatex', blank=b)
case('tex-kt', 'xelatex', sig=[['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], date='dots', place='Bình Thủy')
case('tex-a5', 'xelatex', page='A5', size=11)
for tu in ['plain', 'base-letters', 'no-vietnamese', 'marks-apart', 'spacing-marks']:
    case('rl-tu-%s' % tu, 'reportlab', tu=tu)

# legacy 8-bit fonts (legacy.py)
for cs, f in LEGACY.items():
    case('legacy-%s' % cs, 'chromium', uni=cs, font=f)
    case('legacy-%s-kt-dots' % cs, 'chromium', uni=cs, font=f, sig=[['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], blank='dots', date='dots', names=['Trần Thị Bình'])
    case('lo-legacy-%s' % cs, 'lo-docx', uni=cs, font=f)
    case('lo-legacy-%s-tl-a5' % cs, 'lo-docx', uni=cs, font=f, sig=[['TL. CHỦ TỊCH', 'CHÁNH VĂN PHÒNG']], page='A5', size=11, date='yearblank')
# Windows-1258 (no name says it: found by the text) with only the signer's title in bold
case('legacy-cp1258-bold-titles', 'chromium', uni='cp1258', font=LEGACY['cp1258'], sig=[['CHỦ TỊCH']], boldtitles=True)
case('lo-legacy-cp1258-bold-titles', 'lo-docx', uni='cp1258', font=LEGACY['cp1258'], sig=[['CHỦ TỊCH']], boldtitles=True)

case('cv-vv-long', 'chromium', type='CV', blank='nbsp', agency=['UBND QUẬN NINH KIỀU', 'VĂN PHÒNG HĐND VÀ UBND'])
case('num-with-year', 'chromium', type='QC', blank='nbsp')
case('lo-split-academic', 'lo-docx', page='A5', size=11, names=['ThS. Nguyễn Văn An'])
case('split-academic', 'chromium', paras=1, pagebreak='590pt', names=['TS. Trần Thị Bình'])
case('sig-name-upper', 'chromium', names=['NGUYỄN VĂN AN'])
case('joint-police-left', 'chromium', sig=[['TRƯỞNG CÔNG AN QUẬN'], ['TM. ỦY BAN NHÂN DÂN', 'CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc'], joint='side')
case('lo-joint-military', 'lo-docx', sig=[['CHỈ HUY TRƯỞNG'], ['KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']], names=['Trần Văn Bình', 'Lê Thị Cúc'], joint='side')
case('lo-kh-attach-a5', 'lo-docx', type='KH', page='A5', size=11, attach=3, paras=2)

case('lo-pagenum-split-a5', 'lo-docx', page='A5', size=11, pagenum=True)
case('lo-pagenum-attach', 'lo-docx', attach=4, paras=3, pagenum=True)
case('lo-pagenum-landscape', 'lo-docx', page='A4 landscape', pagenum=True)

def producers():
    import docxgen, texgen, rlgen
    return {'chromium': chromium, 'lo-docx': docxgen.libreoffice_docx, 'xelatex': texgen.xelatex, 'reportlab': rlgen.reportlab}

def main(only=None):
    P = producers()
    if any(c['uni'] in LEGACY for cid, (_, c) in CASES.items() if not only or cid in only):
        import legacy
        os.environ['FONTCONFIG_FILE'] = legacy.build_fonts(os.path.join(HERE, 'fonts'))
    man = {}
    for cid, (prod, c) in CASES.items():
        if only and cid not in only:
            continue
        path = os.path.join(OUT, cid + '.pdf')
        P[prod](c, path)
        twin = None
        if c['uni'] != 'nfc' or c.get('tu') not in (None, 'plain'):  # the same draft in NFC: where the parts are
            twin = os.path.join(OUT, cid + '.twin.pdf')
            P[prod](dict(c, uni='nfc', tu='plain' if c.get('tu') else None, font='Tinos' if c['uni'] in LEGACY else c['font']), twin)
        man[cid] = dict(producer=prod, case=c, twin=twin)
    mf = os.path.join(HERE, 'manifest.json')
    old = json.load(open(mf)) if only and os.path.exists(mf) else {}
    old.update(man)
    json.dump(old, open(mf, 'w'), ensure_ascii=False, indent=1)

if __name__ == '__main__':
    main(set(sys.argv[1:]) or None)
