# docx drafts (as Word writes them) for LibreOffice to print.
import docx, os, subprocess
from docx.shared import Pt, Cm, Mm
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
import gen

def run(p, text, bold=False, italic=False, size=None, c=None):
    if c and c.get('boldtitles') and text not in {x for t in c['sig'] for x in t}:
        bold = False  # the signer's titles the only bold text
    if c and c['uni'] in gen.LEGACY:  # legacy.py: look-alikes, words in the uppercase font run in it
        import legacy
        for up, t in legacy.segments(c['uni'], text):
            r = one_run(p, t, bold, italic, size)
            if up:
                r.font.name = '.VnTimeH'
        return r
    return one_run(p, gen.uni(c, text) if c else text, bold, italic, size)

def one_run(p, text, bold, italic, size):
    r = p.add_run(text)
    r.bold, r.italic = bold, italic
    if size:
        r.font.size = Pt(size)
    return r

def cellpara(cell):
    ps = cell.paragraphs
    p = ps[0] if len(ps) == 1 and not ps[0].runs and not getattr(ps[0], '_used', False) else cell.add_paragraph()
    p._used = True
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    return p

def build(c, path):
    d = docx.Document()
    st = d.styles['Normal']
    st.font.name = c['font']
    st.element.rPr.rFonts.set(qn('w:eastAsia'), c['font'])
    st.font.size = Pt(c['size'])
    s = d.sections[0]
    if c['page'].startswith('A5'):
        s.page_width, s.page_height = Mm(148), Mm(210)
        s.left_margin, s.right_margin = Cm(2), Cm(1.2)
    else:
        s.page_width, s.page_height = Mm(210), Mm(297)
        s.left_margin, s.right_margin = Cm(3), Cm(1.5)
    if 'landscape' in c['page']:
        s.orientation = WD_ORIENT.LANDSCAPE
        s.page_width, s.page_height = s.page_height, s.page_width
    s.top_margin, s.bottom_margin = Cm(2), Cm(2)
    if c.get('pagenum'):  # Decree 30: page numbers centred at the head of pages 2 on
        from docx.oxml import OxmlElement
        s.different_first_page_header_footer = True
        p = s.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = p.add_run()
        for kind, text in (('begin', None), (None, 'PAGE'), ('end', None)):
            if kind:
                e = OxmlElement('w:fldChar'); e.set(qn('w:fldCharType'), kind)
            else:
                e = OxmlElement('w:instrText'); e.text = text
            r._r.append(e)
    total = s.page_width - s.left_margin - s.right_margin
    name, suffix, vv = gen.TYPES[c['type']]
    t = d.add_table(rows=1, cols=2)
    t.autofit = False
    L, R = t.rows[0].cells
    L.width, R.width = int(total * 0.38), int(total * 0.62)
    t.columns[0].width, t.columns[1].width = L.width, R.width
    hs = 12 if c['size'] > 11 else 10
    for a in c['agency']:
        run(cellpara(L), a, bold=True, size=hs, c=c)
    run(cellpara(L), 'Số:' + gen.BLANK[c['blank']] + '/' + suffix, c=c)
    if vv:
        run(cellpara(L), 'V/v triển khai công tác văn thư năm 2026', size=12, c=c)
    run(cellpara(R), 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', bold=True, size=hs, c=c)
    run(cellpara(R), 'Độc lập - Tự do - Hạnh phúc', bold=True, c=c)
    if c['datewrap'] == 'after-ngay':
        run(cellpara(R), c['place'] + ', ngày', italic=True, c=c)
        run(cellpara(R), '\u00a0\u00a0\u00a0\u00a0 tháng\u00a0\u00a0\u00a0\u00a0\u00a0 năm 2026', italic=True, c=c)
    elif c.get('datetabs'):
        p = cellpara(R)
        p.alignment = None
        run(p, c['place'] + ', ngày\ttháng\tnăm 2026', italic=True, c=c)
    else:
        run(cellpara(R), gen.date_text(c), italic=True, c=c)
    if name:
        for x in [name, 'Về việc ban hành Quy chế làm việc']:
            p = d.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run(p, x, bold=True, c=c)
    for i in range(c['paras']):
        p = d.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        p.paragraph_format.first_line_indent = Cm(1)
        run(p, gen.para(i + 1), c=c)
    for _ in range(c.get('fill', 0)):
        d.add_paragraph('')
    blocks = list(zip(c['sig'], c['names']))
    def block(cell, titles, nm):
        for x in titles:
            run(cellpara(cell), x, bold=True, c=c)
        if c.get('hint'):
            run(cellpara(cell), c['hint'], italic=True, c=c)
        for _ in range(c['gap']):
            cellpara(cell)
        run(cellpara(cell), nm, bold=True, c=c)
    if c['joint'] is None:
        t = d.add_table(rows=1, cols=2)
        L, R = t.rows[0].cells
        if c['receivers']:
            run(L.paragraphs[0], 'Nơi nhận:', bold=True, size=12, c=c)
            for x in ['- Như Điều 3;', '- Lưu: VT.']:
                run(L.add_paragraph(), x, size=11, c=c)
        block(R, *blocks[0])
    else:
        t = d.add_table(rows=1, cols=len(blocks) if c['joint'] == 'side' else 2)
        for cell, b in zip(t.rows[0].cells, blocks):
            block(cell, *b)
        if c['joint'] == 'stacked':
            t2 = d.add_table(rows=1, cols=2)
            block(t2.rows[0].cells[1], *blocks[2])
    if c.get('attach'):
        from docx.enum.text import WD_BREAK
        p = d.add_paragraph(); p.add_run().add_break(WD_BREAK.PAGE)
        for i, x in enumerate(gen.ATTACH_HEAD):
            p = d.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run(p, x, bold=i < 2, italic=i == 2, c=c)
        for i in range(c['attach'] * 9):
            p = d.add_paragraph(); p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            run(p, gen.para(i + 1), c=c)
    d.save(path)

def libreoffice_docx(c, path):
    dx = path[:-4] + '.docx'
    build(c, dx)
    subprocess.run(['soffice', '--headless', '--convert-to', 'pdf', '--outdir', os.path.dirname(path), dx],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
