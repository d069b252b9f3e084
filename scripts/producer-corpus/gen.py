#!/usr/bin/python3
"""Makes outgoing drafts with producers the other corpora do not use (run.sh):
Ghostscript, groff, pandoc's engines, wkhtmltopdf, WeasyPrint, cairo, img2pdf,
MuPDF, qpdf, pdfcpu, pikepdf, pypdf, pdftk, PoDoFo, npm's pdfkit, pdf-lib,
jsPDF and pdfmake, PDFBox, iText 5, libharu, FPDF (PHP), LibreOffice Calc,
Impress and Writer (PDF/A-2, tagged), AbiWord, paps, enscript, htmldoc,
xhtml2pdf, rst2pdf, matplotlib, ImageMagick — the Decree 30 draft of d30.py,
in Vietnamese where the producer can embed Tinos, folded to ASCII elsewhere.
Writes $CORPUS_DIR/drafts/NAME.pdf and $CORPUS_DIR/manifest.json
({name: {producer, vietnamese, error?}}). usage: gen.py [name...]"""
import json, os, shutil, subprocess, sys, tempfile, traceback
import d30

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get('CORPUS_DIR', '/tmp/producer-corpus')
DRAFTS = os.path.join(OUT, 'drafts')
WORK = os.path.join(OUT, 'work')
NODE_PATH = os.environ.get('PRODUCER_NODE_PATH', os.path.join(OUT, 'npm', 'node_modules'))
os.makedirs(DRAFTS, exist_ok=True)
os.makedirs(WORK, exist_ok=True)
CASES = {}


def case(name, producer, vietnamese=True):
    def reg(fn):
        CASES[name] = (producer, vietnamese, fn)
        return fn
    return reg


def sh(*cmd, **kw):
    kw.setdefault('stdout', subprocess.PIPE)
    kw.setdefault('stderr', subprocess.STDOUT)
    r = subprocess.run(cmd, timeout=300, **kw)
    if r.returncode:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd[:3]), r.returncode, (r.stdout or b'')[-400:].decode(errors='replace')))
    return r.stdout


def w(name, data, mode='w'):
    p = os.path.join(WORK, name)
    with open(p, mode) as f:
        f.write(data)
    return p


def base(paras=4):
    """A WeasyPrint draft: the input of the producers that rewrite a PDF."""
    p = os.path.join(WORK, 'base-%d.pdf' % paras)
    if not os.path.exists(p):
        sh('weasyprint', w('base-%d.html' % paras, d30.html_doc(paras)), p)
    return p


def spec_files(pages=1):
    s = d30.spec(pages)
    a = d30.spec(pages, ascii=True)
    js = w('spec-%d.json' % pages, json.dumps(s, ensure_ascii=True))
    w('spec-ascii-%d.json' % pages, json.dumps(a, ensure_ascii=True))
    tsv = lambda sp: '\n'.join('%d\t%.2f\t%.2f\t%.1f\t%d\t%s' % (i, l['x'], l['y'], l['s'], int(l['b']) + 2 * int(l['i']), l['t'])
                               for i, pg in enumerate(sp['pages']) for l in pg) + '\n'
    return js, w('spec-%d.tsv' % pages, tsv(s)), w('spec-ascii-%d.tsv' % pages, tsv(a)), a


# --- HTML and text converters -------------------------------------------------
@case('wkhtmltopdf', 'wkhtmltopdf 0.12 (Qt WebKit)')
def _(o):
    sh('wkhtmltopdf', '-q', '--page-size', 'A4', '-T', '20mm', '-B', '20mm', '-L', '30mm', '-R', '15mm', w('wk.html', d30.html_doc()), o)


@case('wkhtmltopdf-long', 'wkhtmltopdf 0.12, several pages')
def _(o):
    sh('wkhtmltopdf', '-q', '--page-size', 'A4', w('wk3.html', d30.html_doc(40)), o)


@case('weasyprint', 'WeasyPrint 57')
def _(o):
    shutil.copy(base(), o)


@case('weasyprint-a5', 'WeasyPrint 57, A5')
def _(o):
    sh('weasyprint', w('a5.html', d30.html_doc(3, page='A5').replace('font-size:13pt', 'font-size:10pt')), o)


@case('wkhtmltopdf-landscape', 'wkhtmltopdf 0.12, A4 landscape')
def _(o):
    sh('wkhtmltopdf', '-q', '-O', 'Landscape', '--page-size', 'A4', w('wkl.html', d30.html_doc()), o)


@case('weasyprint-2p', 'WeasyPrint 57, 2 pages')
def _(o):
    shutil.copy(base(11), o)


@case('pandoc-wkhtmltopdf', 'pandoc 2.17 → wkhtmltopdf')
def _(o):
    sh('pandoc', w('p.md', d30.markdown()), '--pdf-engine=wkhtmltopdf', '-V', 'mainfont=Tinos', '--metadata', 'title=Quyết định', '-o', o)


@case('pandoc-weasyprint', 'pandoc 2.17 → WeasyPrint')
def _(o):
    css = w('p.css', 'body{font-family:Tinos;font-size:13pt} @page{size:A4;margin:2cm 1.5cm 2cm 3cm}')
    sh('pandoc', w('p.md', d30.markdown()), '--pdf-engine=weasyprint', '-c', css, '--metadata', 'title=Quyết định', '-o', o)


@case('pandoc-pdflatex', 'pandoc 2.17 → pdfLaTeX (ASCII)', False)
def _(o):
    sh('pandoc', w('pa.md', d30.markdown(ascii=True)), '--pdf-engine=pdflatex', '-V', 'papersize=a4', '-o', o)


@case('pandoc-lualatex', 'pandoc 2.17 → LuaLaTeX (fontspec, Tinos)')
def _(o):
    sh('pandoc', w('p.md', d30.markdown()), '--pdf-engine=lualatex', '-V', 'mainfont=Tinos', '-V', 'papersize=a4', '-o', o)


@case('htmldoc', 'HTMLDOC 1.9 (ASCII)', False)
def _(o):
    sh('htmldoc', '--webpage', '--size', 'A4', '--left', '30mm', '-f', o, w('hd.html', d30.html_doc(ascii=True, font='Times')))


@case('xhtml2pdf', 'xhtml2pdf 0.2 (ReportLab underneath)')
def _(o):
    from xhtml2pdf import pisa
    h = d30.html_doc().replace('<style>', '<style>@font-face { font-family: Tinos; src:url("%s")} @font-face { font-family: Tinos; font-weight:bold;src:url("%s")} '
                               '@font-face { font-family: Tinos; font-style:italic;src:url("%s")} ' % (d30.FONT % 'Regular', d30.FONT % 'Bold', d30.FONT % 'Italic'))
    with open(o, 'wb') as f:
        if pisa.CreatePDF(h, dest=f).err:
            raise RuntimeError('xhtml2pdf failed')


@case('rst2pdf', 'rst2pdf 0.99 (ASCII)', False)
def _(o):
    rst = d30.text(ascii=True).replace('*', '')
    sh('rst2pdf', w('r.rst', '::\n\n' + ''.join('  ' + l + '\n' for l in rst.splitlines())), '-o', o)


@case('abiword', 'AbiWord 3.0 (cairo)')
def _(o):
    sh('abiword', '--import-extension=html', '--to=pdf', '-o', o, w('ab.html', d30.html_doc()))


@case('paps-ps2pdf', 'paps 0.6 (pango) → ps2pdf (Ghostscript)')
def _(o):
    ps = os.path.join(WORK, 'paps.ps')
    with open(ps, 'wb') as f:
        f.write(sh('paps', '--font=Tinos 11', '--paper', 'A4', w('paps.txt', d30.text()), stderr=subprocess.DEVNULL))
    sh('ps2pdf', '-sPAPERSIZE=a4', ps, o)


@case('enscript-ps2pdf', 'GNU enscript → ps2pdf (ASCII)', False)
def _(o):
    ps = os.path.join(WORK, 'en.ps')
    sh('enscript', '-B', '-M', 'A4', '-f', 'Times-Roman12', '-o', ps, w('en.txt', d30.text(ascii=True)))
    sh('ps2pdf', ps, o)


def groff_src():
    t = d30.text(ascii=True)
    return '.nf\n.ft TR\n.ps 12\n' + t.replace('\\', '\\\\').replace('\n.', '\n\\&.') + '.fi\n'


@case('groff-pdf', 'groff 1.22 -Tpdf (gropdf, ASCII)', False)
def _(o):
    with open(o, 'wb') as f:
        f.write(sh('groff', '-Tpdf', '-P-pa4', w('g.tr', groff_src()), stderr=subprocess.DEVNULL))


@case('groff-ps2pdf', 'groff 1.22 -Tps → ps2pdf (ASCII)', False)
def _(o):
    ps = os.path.join(WORK, 'g.ps')
    with open(ps, 'wb') as f:
        f.write(sh('groff', '-Tps', '-P-pa4', w('g.tr', groff_src()), stderr=subprocess.DEVNULL))
    sh('ps2pdf', '-sPAPERSIZE=a4', ps, o)


# --- LibreOffice ----------------------------------------------------------------
def soffice(src, filt, o, *infilter):
    d = tempfile.mkdtemp(dir=WORK)
    sh('soffice', '-env:UserInstallation=file://' + os.path.join(WORK, 'lo-profile'), '--headless', *infilter, '--convert-to', filt, '--outdir', d, src)
    got = [f for f in os.listdir(d) if f.endswith('.pdf')]
    if not got:
        raise RuntimeError('soffice wrote nothing')
    shutil.move(os.path.join(d, got[0]), o)


@case('lo-calc', 'LibreOffice 7.4 Calc (CSV → PDF)')
def _(o):
    rows = [d30.AGENCY[0] + ',' + d30.MOTTO[0], d30.AGENCY[1] + ',' + d30.MOTTO[1], d30.NUMBER + ',' + d30.DATE, '',
            d30.TITLE[0], d30.TITLE[1], ''] + ['"%s"' % d30.para(i + 1)[:90] for i in range(6)] + ['', ',' + d30.SIG[0], ',' + d30.SIG[1], '', '', ',' + d30.NAME]
    soffice(w('calc.csv', '\n'.join(rows) + '\n'), 'pdf:calc_pdf_Export', o, '--infilter=CSV:44,34,76')  # UTF-8


FODP = '''<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:automatic-styles><style:style style:name="T" style:family="paragraph"><style:text-properties fo:font-family="Tinos" fo:font-size="14pt"/></style:style></office:automatic-styles>
<office:body><office:presentation>%s</office:presentation></office:body></office:document>'''


@case('lo-impress', 'LibreOffice 7.4 Impress (2 slides → PDF)')
def _(o):
    import html
    slides = ''
    for k, paras in enumerate([[d30.AGENCY[1], d30.NUMBER, d30.TITLE[0], d30.TITLE[1], d30.para(1)], [d30.para(2), d30.SIG[0], d30.SIG[1], '', '', d30.NAME]]):
        ps = ''.join('<text:p text:style-name="T">%s</text:p>' % html.escape(p) for p in paras)
        slides += ('<draw:page draw:name="s%d"><draw:frame svg:x="1cm" svg:y="1cm" svg:width="26cm" svg:height="17cm">'
                   '<draw:text-box>%s</draw:text-box></draw:frame></draw:page>') % (k, ps)
    soffice(w('imp.fodp', FODP % slides), 'pdf:impress_pdf_Export', o)


@case('lo-writer-pdfa2', 'LibreOffice 7.4 Writer (HTML → PDF/A-2b, tagged)')
def _(o):
    soffice(w('lw.html', d30.html_doc()), 'pdf:writer_web_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},"UseTaggedPDF":{"type":"boolean","value":"true"}}', o)


# --- Ghostscript, cairo, MuPDF, qpdf, pdfcpu, pdftk, PoDoFo, pikepdf, pypdf rewriting a draft
for _n, _args in [('gs-pdfwrite', []), ('gs-pdf14', ['-dCompatibilityLevel=1.4']), ('gs-pdf20', ['-dCompatibilityLevel=2.0']),
                  ('gs-pdfa2', ['-dPDFA=2', '-dPDFACompatibilityPolicy=1', '-sColorConversionStrategy=RGB']),
                  ('gs-fastwebview', ['-dFastWebView=true'])]:
    def _mk(args):
        return lambda o: sh('gs', '-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sDEVICE=pdfwrite', *args, '-sOutputFile=' + o, base())
    case(_n, 'Ghostscript 10 pdfwrite ' + (' '.join(_args) or '(defaults)'))(_mk(_args))


@case('gs-fastwebview-2p', 'Ghostscript 10 pdfwrite -dFastWebView=true, 2 pages')
def _(o):
    sh('gs', '-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sDEVICE=pdfwrite', '-dFastWebView=true', '-sOutputFile=' + o, base(11))


@case('gs-fastwebview-lualatex', 'pandoc → LuaLaTeX, then Ghostscript 10 pdfwrite -dFastWebView=true')
def _(o):
    src = os.path.join(WORK, 'lua.pdf')
    sh('pandoc', w('p.md', d30.markdown()), '--pdf-engine=lualatex', '-V', 'mainfont=Tinos', '-V', 'papersize=a4',
       '--metadata', 'title=Quyết định ban hành Quy chế', '-o', src)
    sh('gs', '-q', '-dNOPAUSE', '-dBATCH', '-dSAFER', '-sDEVICE=pdfwrite', '-dFastWebView=true', '-sOutputFile=' + o, src)


@case('pdftocairo', 'pdftocairo -pdf (poppler 22, cairo 1.16)')
def _(o):
    sh('pdftocairo', '-pdf', base(11), o)


@case('mutool-clean', 'mutool clean -gggg -l (MuPDF 1.21, linearized)')
def _(o):
    sh('mutool', 'clean', '-gggg', '-l', base(), o)


@case('mutool-convert', 'mutool convert -F pdf (MuPDF 1.21 pdf writer device)')
def _(o):
    sh('mutool', 'convert', '-F', 'pdf', '-o', o, base(11))


@case('mutool-create', 'mutool create (MuPDF 1.21, Times-Roman, ASCII)', False)
def _(o):
    *_, a = spec_files(2)
    pages = []
    for i, pg in enumerate(a['pages']):
        lines = ['%%MediaBox 0 0 595.28 841.89', '%%Font TR Times-Roman', '%%Font TB Times-Bold', '%%Font TI Times-Italic', '%%Font TZ Times-BoldItalic']
        for l in pg:
            f = 'TZ' if l['b'] and l['i'] else 'TB' if l['b'] else 'TI' if l['i'] else 'TR'
            t = l['t'].replace('\\', '\\\\').replace('(', '\\(').replace(')', '\\)')
            lines.append('BT /%s %s Tf %s %s Td (%s) Tj ET' % (f, l['s'], l['x'], l['y'], t))
        pages.append(w('mc%d.txt' % i, '\n'.join(lines) + '\n'))
    sh('mutool', 'create', '-o', o, *pages)


@case('qpdf-linearize-objstm', 'qpdf 11 --linearize --object-streams=generate')
def _(o):
    sh('qpdf', '--linearize', '--object-streams=generate', base(), o)


@case('qpdf-qdf', 'qpdf 11 --qdf --object-streams=disable (QDF)')
def _(o):
    sh('qpdf', '--qdf', '--object-streams=disable', base(11), o)


@case('qpdf-encrypt-owner', 'qpdf 11 --encrypt (AES-256, owner password only: opens without one)')
def _(o):
    sh('qpdf', '--encrypt', '', 'chu-so-huu', '256', '--', base(), o)


@case('pdftk-owner-pw', 'pdftk-java 3.3 owner_pw, printing allowed (RC4-128)')
def _(o):
    sh('pdftk', base(), 'output', o, 'owner_pw', 'chu-so-huu', 'allow', 'printing')


@case('pdfcpu-optimize', 'pdfcpu 0.11 optimize')
def _(o):
    sh('pdfcpu', 'optimize', base(), o)


@case('qpdf-rotate', 'qpdf 11 --rotate=+90 (a page shown landscape)')
def _(o):
    sh('qpdf', '--rotate=+90:1', base(), o)


@case('pdfcpu-attach', 'pdfcpu 0.11 attachments add (an embedded file)')
def _(o):
    shutil.copy(base(), o)
    sh('pdfcpu', 'attachments', 'add', o, w('phu-luc.txt', d30.text()))


@case('pdfcpu-watermark', 'pdfcpu 0.11 watermark add (a diagonal "DU THAO" behind the text)')
def _(o):
    sh('pdfcpu', 'watermark', 'add', '-mode', 'text', '--', 'DU THAO', 'rot:45, op:.3', base(), o)


@case('pikepdf-outline', 'pikepdf 6: bookmarks and document title in Vietnamese (UTF-16), a page label')
def _(o):
    import pikepdf
    with pikepdf.open(base(11)) as p:
        with p.open_outline() as ol:
            ol.root.append(pikepdf.OutlineItem('Quyết định về việc ban hành Quy chế làm việc', 0))
            ol.root.append(pikepdf.OutlineItem('Điều 5. Nơi nhận', len(p.pages) - 1))
        p.docinfo['/Title'] = 'Quyết định ban hành Quy chế làm việc'
        p.Root.PageLabels = pikepdf.Dictionary(Nums=[0, pikepdf.Dictionary(S=pikepdf.Name.D)])
        p.save(o)


@case('pdftk-cat', 'pdftk-java 3.3 cat (iText 2 underneath)')
def _(o):
    sh('pdftk', base(11), 'cat', 'output', o)


@case('podofo-uncompress', 'PoDoFo 0.9.8 podofouncompress')
def _(o):
    sh('podofouncompress', base(), o)


@case('pikepdf-resave', 'pikepdf 6 (qpdf) save, object streams generated')
def _(o):
    import pikepdf
    with pikepdf.open(base(11)) as p:
        p.save(o, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)


@case('pikepdf-new', 'pikepdf 6, made from nothing (Times-Roman, ASCII)', False)
def _(o):
    import pikepdf
    *_, a = spec_files(2)
    p = pikepdf.new()
    fonts = {k: p.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name(v),
                                                   Encoding=pikepdf.Name.WinAnsiEncoding))
             for k, v in [('TR', '/Times-Roman'), ('TB', '/Times-Bold'), ('TI', '/Times-Italic'), ('TZ', '/Times-BoldItalic')]}
    for pg in a['pages']:
        ops = []
        for l in pg:
            f = 'TZ' if l['b'] and l['i'] else 'TB' if l['b'] else 'TI' if l['i'] else 'TR'
            t = l['t'].replace('\\', '\\\\').replace('(', '\\(').replace(')', '\\)')
            ops.append('BT /%s %s Tf %s %s Td (%s) Tj ET' % (f, l['s'], l['x'], l['y'], t))
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595.28, 841.89],
                                  Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(**{'/' + k: v for k, v in fonts.items()})),
                                  Contents=pikepdf.Stream(p, '\n'.join(ops).encode('latin-1')))
        p.pages.append(pikepdf.Page(page))
    p.save(o, object_stream_mode=pikepdf.ObjectStreamMode.generate)


@case('pypdf-writer', 'pypdf 3.4 PdfWriter (pages of two drafts merged)')
def _(o):
    from pypdf import PdfReader, PdfWriter
    wr = PdfWriter()
    for src in (base(11), base()):
        for pg in PdfReader(src).pages:
            wr.add_page(pg)
    wr.add_metadata({'/Title': 'Quyết định'})
    with open(o, 'wb') as f:
        wr.write(f)


# --- writers that draw the placed lines themselves --------------------------------
@case('pycairo', 'pycairo 1.20 PDFSurface (cairo 1.16, toy text API, Tinos)')
def _(o):
    import cairo
    js, *_ = spec_files(2)
    s = json.load(open(js))
    surf = cairo.PDFSurface(o, s['w'], s['h'])
    cr = cairo.Context(surf)
    for pg in s['pages']:
        for l in pg:
            cr.select_font_face('Tinos', cairo.FONT_SLANT_ITALIC if l['i'] else cairo.FONT_SLANT_NORMAL,
                                cairo.FONT_WEIGHT_BOLD if l['b'] else cairo.FONT_WEIGHT_NORMAL)
            cr.set_font_size(l['s'])
            cr.move_to(l['x'], s['h'] - l['y'])
            cr.show_text(l['t'])
        cr.show_page()
    surf.finish()


def mpl(o, fonttype):
    import matplotlib
    matplotlib.use('pdf')
    matplotlib.rcParams['pdf.fonttype'] = fonttype
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties
    js, *_ = spec_files(1)
    s = json.load(open(js))
    fig = plt.figure(figsize=(s['w'] / 72, s['h'] / 72))
    for l in s['pages'][0]:
        st = 'BoldItalic' if l['b'] and l['i'] else 'Bold' if l['b'] else 'Italic' if l['i'] else 'Regular'
        fig.text(l['x'] / s['w'], l['y'] / s['h'], l['t'], fontproperties=FontProperties(fname=d30.FONT % st, size=l['s']))
    fig.savefig(o)


@case('matplotlib-type3', 'matplotlib 3.6 pdf backend, Type 3 fonts')
def _(o):
    mpl(o, 3)


@case('matplotlib-type42', 'matplotlib 3.6 pdf backend, Type 42 fonts')
def _(o):
    mpl(o, 42)


@case('libharu', 'libharu 2.3 (C, Tinos UTF-8)')
def _(o):
    exe = os.path.join(WORK, 'haru')
    sh('cc', os.path.join(HERE, 'haru.c'), '-lhpdf', '-o', exe)
    _, tsv, _, _ = spec_files(2)
    sh(exe, tsv, o)


@case('php-fpdf', 'FPDF 1.8 (PHP, core Times, ASCII)', False)
def _(o):
    *_, atsv, _ = spec_files(2)
    sh('php', os.path.join(HERE, 'fpdf.php'), atsv, o)


def java(kind, o, pages, *more):
    js, *_ = spec_files(pages)
    cp = ':'.join('/usr/share/java/%s.jar' % j for j in ('pdfbox2', 'fontbox2', 'commons-logging', 'itext5'))
    sh('java', '-cp', cp, os.path.join(HERE, 'Draw.java'), kind, js, o, *more)


@case('pdfbox', 'Apache PDFBox 2.0 (Java, Tinos Type 0)')
def _(o):
    java('pdfbox', o, 2)


@case('itext5', 'iText 5.5 (Java, Tinos Identity-H)')
def _(o):
    java('itext5', o, 1)


@case('itext5-full', 'iText 5.5, full compression (xref and object streams), 2 pages')
def _(o):
    java('itext5-full', o, 2)


@case('itext5-stamper', 'iText 5.5 PdfStamper append mode: a note added to a WeasyPrint draft as an update')
def _(o):
    java('itext5-stamp', o, 1, base())


def node(kind, o, pages):
    js, *_ = spec_files(pages)
    if kind == 'pdf-lib-plain':  # the standard fonts have no Vietnamese letters
        js = js.replace('spec-', 'spec-ascii-')
    sh('node', os.path.join(HERE, 'draw.js'), kind, js, o, env=dict(os.environ, NODE_PATH=NODE_PATH))


for _k, _p, _d in [('pdfkit', 1, 'pdfkit (npm, Tinos)'), ('pdf-lib', 2, 'pdf-lib 1.17 (npm, Tinos subset, object streams)'),
                   ('pdf-lib-plain', 1, 'pdf-lib 1.17 (npm, standard Times, xref table, ASCII)'),
                   ('jspdf', 2, 'jsPDF (npm, Tinos)'),
                   ('pdf-lib-rotated', 1, 'pdf-lib 1.17, a landscape box turned by /Rotate 90 (portrait as shown)'),
                   ('pdf-lib-form', 2, 'pdf-lib 1.17, a text field filled in Vietnamese and a check box'), ('pdfmake', 1, 'pdfmake (npm, pdfkit underneath, Tinos)')]:
    case('npm-' + _k, _d, _k != 'pdf-lib-plain')((lambda k, p: lambda o: node(k, o, p))(_k, _p))


# --- images -------------------------------------------------------------------
def page_image(fmt):
    p = os.path.join(WORK, 'scan')
    sh('pdftoppm', '-r', '150', '-gray', '-' + fmt, base(11), p)
    return sorted(os.path.join(WORK, f) for f in os.listdir(WORK) if f.startswith('scan-') and f.endswith(fmt.replace('jpeg', 'jpg')))


@case('img2pdf-png', 'img2pdf 0.4 (PNG pages, 150 dpi)')
def _(o):
    sh('img2pdf', '--pagesize', 'A4', '-o', o, *page_image('png'))


@case('img2pdf-jpeg', 'img2pdf 0.4 (JPEG pages, 150 dpi)')
def _(o):
    sh('img2pdf', '-o', o, *page_image('jpeg'))


@case('imagemagick', 'ImageMagick 6.9 convert (PNG → PDF)')
def _(o):
    sh('convert', *page_image('png'), '-density', '150', '-units', 'PixelsPerInch', o)


def main():
    names = sys.argv[1:] or list(CASES)
    mpath = os.path.join(OUT, 'manifest.json')
    man = json.load(open(mpath)) if os.path.exists(mpath) else {}
    for n in names:
        producer, vi, fn = CASES[n]
        o = os.path.join(DRAFTS, n + '.pdf')
        rec = {'producer': producer, 'vietnamese': vi}
        try:
            if os.path.exists(o):
                os.remove(o)
            fn(o)
            if not os.path.exists(o) or os.path.getsize(o) == 0:
                raise RuntimeError('no output')
        except Exception as e:
            rec['error'] = str(e)[-300:] or traceback.format_exc()[-300:]
            if os.path.exists(o):
                os.remove(o)
        man[n] = rec
        print('%-24s %s' % (n, rec.get('error', 'ok')), flush=True)
    json.dump(man, open(mpath, 'w'), indent=1, ensure_ascii=False)


main()
