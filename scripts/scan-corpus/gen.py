#!/usr/bin/python3
"""Makes the corpus of incoming scans in $CORPUS_DIR (default /tmp/scan-corpus): files
as office scanners, multifunction printers and other agencies' writers make them.
Run with Debian's python3 (python3-pikepdf, python3-pil, python3-img2pdf) and
img2pdf, libtiff-tools, libopenjp2-tools, imagemagick, ocrmypdf with
tesseract-ocr-vie, qpdf on PATH; $VANTHU names a vanthu binary (signed cases).
    gen.py [case...]"""
import io, os, random, struct, subprocess, sys, zlib
from PIL import Image, ImageDraw, ImageFont, ImageFilter
import img2pdf, pikepdf

OUT = os.environ.get('CORPUS_DIR', '/tmp/scan-corpus')
TMP = os.path.join(OUT, 'tmp')
FONT = '/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf'
LINES = [
    'ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    'Độc lập - Tự do - Hạnh phúc', 'Số: 125/UBND-VP        Cần Thơ, ngày 20 tháng 11 năm 2026',
    'V/v tổng kết công tác năm 2026 và triển khai nhiệm vụ năm 2027',
    'Kính gửi: Ủy ban nhân dân các quận, huyện.',
    'Thực hiện chỉ đạo của Thành ủy về việc tổng kết công tác năm, Ủy ban nhân dân',
    'thành phố đề nghị các đơn vị báo cáo kết quả thực hiện nhiệm vụ, những khó khăn,',
    'vướng mắc và đề xuất giải pháp trong năm tới; gửi về Văn phòng trước ngày 15/12.',
]


def page(dpi, w_in=8.27, h_in=11.69, mode='L', noise=True, seed=0):
    w, h = int(w_in * dpi), int(h_in * dpi)
    im = Image.new('L', (w, h), 255)
    d = ImageDraw.Draw(im)
    f = ImageFont.truetype(FONT, int(dpi * 13 / 72))
    y = int(dpi * 0.8)
    rnd = random.Random(seed)
    for i in range(40):
        d.text((int(dpi * 0.9), y), LINES[(i + seed) % len(LINES)], font=f, fill=0)
        y += int(dpi * 19 / 72)
        if y > h - dpi:
            break
    if noise:  # scanner speckle and a slightly grey paper
        px = im.load()
        for _ in range(w * h // 400):
            x, yy = rnd.randrange(w), rnd.randrange(h)
            px[x, yy] = rnd.randrange(150, 235)
    if mode == '1':
        return im.point(lambda v: 255 if v > 160 else 0, '1')
    if mode == 'RGB':
        return Image.merge('RGB', (im, im.point(lambda v: min(255, v + 3)), im.point(lambda v: max(0, v - 4))))
    return im


def jpeg(im, q=75):
    b = io.BytesIO()
    im.save(b, 'JPEG', quality=q, dpi=(im.info.get('dpi', (300, 300))))
    return b.getvalue()


def write(name, data):
    p = os.path.join(OUT, name)
    with open(p, 'wb') as f:
        f.write(data)
    return p


def jpeg_scan(name, pages, dpi, mode='L', q=75, size=(8.27, 11.69)):
    # a few distinct pages, reused (JPEG of each is different bytes per seed)
    imgs = []
    cache = {}
    for i in range(pages):
        k = i % 4
        if k not in cache:
            cache[k] = jpeg(page(dpi, *size, mode=mode, seed=k), q)
        imgs.append(cache[k])
    lay = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    write(name, img2pdf.convert(imgs, layout_fun=lay))


def g4_scan(name, pages, dpi):
    tifs = []
    for i in range(min(pages, 4)):
        p = os.path.join(TMP, f'g4-{dpi}-{i}.tif')
        page(dpi, mode='1', seed=i).save(p, compression='group4', dpi=(dpi, dpi))
        tifs.append(p)
    seq = [tifs[i % len(tifs)] for i in range(pages)]
    multi = os.path.join(TMP, f'{name}.tif')
    subprocess.run(['tiffcp'] + seq + [multi], check=True)
    subprocess.run(['tiff2pdf', '-o', os.path.join(OUT, name), multi], check=True)


def g4_bytes(im):
    """Raw CCITT G4 data of a 1-bit image (from a one-strip TIFF)."""
    p = os.path.join(TMP, 'g4raw.png')
    im.save(p)
    return subprocess.run(['convert', p, '-compress', 'Group4', 'group4:-'], check=True, stdout=subprocess.PIPE).stdout


def seg(num, typ, page, data, refs=()):
    flags = typ
    hdr = struct.pack('>IB', num, flags)
    hdr += bytes([(len(refs) << 5)]) + bytes(refs)
    hdr += bytes([page]) if page < 256 else b''
    return hdr + struct.pack('>I', len(data)) + data


def jbig2_generic(im):
    """An embedded JBIG2 stream: page information, one immediate lossless
    generic region coded with MMR (the same coding as CCITT G4), end of page."""
    w, h = im.size
    pinfo = struct.pack('>IIIIBH', w, h, 0, 0, 0, 0)
    region = struct.pack('>IIIIB', w, h, 0, 0, 0) + bytes([1]) + g4_bytes(im)  # MMR
    return seg(1, 48, 1, pinfo) + seg(2, 38, 1, region) + seg(3, 49, 1, b'')


def jbig2_symbols(glyphs):
    """A symbol dictionary segment body (for the globals, page 0) holding glyphs of
    one height: Huffman-coded with the standard tables (B.4 height, B.2 widths,
    B.1 collective bitmap size and export runs), the collective bitmap stored
    uncompressed (BMSIZE 0)."""
    h = glyphs[0].size[1]
    bits = []

    def put(v, n):
        bits.extend((v >> i) & 1 for i in range(n - 1, -1, -1))

    def align():
        while len(bits) % 8:
            bits.append(0)
        out = bytes(int(''.join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8))
        bits.clear()
        return out

    def b4(v):  # height class delta: 1 '0', 2 '10', 3 '110', 4..11 '1110'+3 bits
        if v <= 3:
            put([0b0, 0b10, 0b110][v - 1], v)
        else:
            put(0b1110, 4); put(v - 4, 3)

    def b2(v):  # width delta: 0 '0', 1 '10', 2 '110', 3..10 '1110'+3 bits, OOB '111111'
        if v is None:
            put(0b111111, 6)
        elif v <= 2:
            put([0b0, 0b10, 0b110][v], v + 1)
        else:
            put(0b1110, 4); put(v - 3, 3)

    def b1(v):  # 0..15: '0'+4 bits
        put(0, 1); put(v, 4)
    b4(h)
    prev = 0
    for g in glyphs:
        b2(g.size[0] - prev)
        prev = g.size[0]
    b2(None)
    b1(0)
    data = align()
    coll = Image.new('1', (sum(g.size[0] for g in glyphs), h), 1)
    x = 0
    for g in glyphs:
        coll.paste(g, (x, 0))
        x += g.size[0]
    data += coll.convert('L').point(lambda v: 255 - v).convert('1').tobytes()  # JBIG2: 1 is black
    b1(0); b1(len(glyphs))  # export flags: none, then all
    data += align()
    return struct.pack('>HII', 1, len(glyphs), len(glyphs)) + data  # SDHUFF


def jbig2_pdf(name, with_globals, pages, dpi):
    pdf = pikepdf.new()
    glob = None
    if with_globals:
        gl = [Image.new('1', (w, 6), 1) for w in (4, 5, 7)]
        for g in gl:
            ImageDraw.Draw(g).rectangle([0, 1, g.size[0] - 2, 4], fill=0)
        glob = pdf.make_stream(seg(0, 0, 0, jbig2_symbols(gl)))
    for i in range(pages):
        im = page(dpi, mode='1', seed=i % 4)
        w, h = im.size
        s = pdf.make_stream(jbig2_generic(im))
        s.Type, s.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        s.Width, s.Height, s.BitsPerComponent = w, h, 1
        s.ColorSpace = pikepdf.Name.DeviceGray
        s.Filter = pikepdf.Name.JBIG2Decode
        if glob is not None:
            s.DecodeParms = pikepdf.Dictionary(JBIG2Globals=glob)
        pw, ph = w * 72 / dpi, h * 72 / dpi
        content = pdf.make_stream(f'q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im0 Do Q'.encode())
        pg = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, pw, ph], Contents=content,
                                Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=s)))
        pdf.pages.append(pikepdf.Page(pg))
    pdf.save(os.path.join(OUT, name))


def jpx_scan(name, pages, dpi):
    im = page(dpi, seed=1)
    png = os.path.join(TMP, f'jpx-{dpi}.png')
    im.save(png)
    jp2 = os.path.join(TMP, f'jpx-{dpi}.jp2')
    subprocess.run(['opj_compress', '-i', png, '-o', jp2, '-r', '20'], check=True, stdout=subprocess.DEVNULL)
    data = open(jp2, 'rb').read()
    lay = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    write(name, img2pdf.convert([data] * pages, layout_fun=lay))


def flate_scan(name, pages, dpi, mode):
    imgs = []
    for i in range(min(pages, 2)):
        b = io.BytesIO()
        page(dpi, mode=mode, seed=i, noise=(mode != '1')).save(b, 'PNG', dpi=(dpi, dpi))
        imgs.append(b.getvalue())
    lay = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
    write(name, img2pdf.convert([imgs[i % len(imgs)] for i in range(pages)], layout_fun=lay))


def mixed_sizes(name):
    a4 = jpeg(page(200, seed=0))
    a3 = jpeg(page(200, 11.69, 16.54, seed=1))
    letter = jpeg(page(200, 8.5, 11, seed=2))
    lay = img2pdf.get_fixed_dpi_layout_fun((200, 200))
    write(name, img2pdf.convert([a4, a3, letter, a4], layout_fun=lay))


def rotated(name, landscape=False):
    src = os.path.join(TMP, 'rot-src.pdf')
    if landscape:  # a landscape scan of a portrait page: the image itself turned
        im = page(300, seed=2).rotate(90, expand=True)
        open(src, 'wb').write(img2pdf.convert([jpeg(im)], layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300))))
        subprocess.run(['qpdf', src, '--rotate=+270:1', os.path.join(OUT, name)], check=True)
        return
    open(src, 'wb').write(img2pdf.convert([jpeg(page(300, seed=i)) for i in range(3)],
                                          layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300))))
    subprocess.run(['qpdf', src, '--rotate=+90:1', '--rotate=+270:2', '--rotate=180:3', os.path.join(OUT, name)], check=True)


def ocr(name, pdfa=False, pages=2):
    src = os.path.join(TMP, f'ocr-src-{pages}.pdf')
    open(src, 'wb').write(img2pdf.convert([jpeg(page(300, seed=i)) for i in range(pages)],
                                          layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300))))
    args = ['ocrmypdf', '-q', '-l', 'vie', '--output-type', 'pdfa-2' if pdfa else 'pdf', src, os.path.join(OUT, name)]
    subprocess.run(args, check=True)


def linearized(name):
    src = os.path.join(OUT, 'jpeg-a4-300dpi-10p.pdf')
    subprocess.run(['qpdf', '--linearize', src, os.path.join(OUT, name)], check=True)


def objstreams(name):
    src = os.path.join(OUT, 'jpeg-a4-300dpi-10p.pdf')
    subprocess.run(['qpdf', '--object-streams=generate', src, os.path.join(OUT, name)], check=True)


def ms_print(name, pages=2):
    """A file as "Microsoft: Print To PDF" writes it: PDF 1.7, CRLF line ends,
    a classic xref table, pages whose images are DCT at 600 dpi drawn under a
    scale, a /Group on each page, Producer set."""
    objs = []
    def add(b):
        objs.append(b)
        return len(objs)
    catalog = add(None)
    pages_id = add(None)
    kids = []
    img = jpeg(page(150, seed=3), q=80)
    w, h = Image.open(io.BytesIO(img)).size
    for i in range(pages):
        im_id = add(b'<</Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceGray/BitsPerComponent 8/Filter/DCTDecode/Interpolate true/Length %d>>\r\nstream\r\n' % (w, h, len(img)) + img + b'\r\nendstream')
        c = b'0.12 0 0 0.12 0 0 cm\r\nq\r\n%d 0 0 %d 0 0 cm\r\n/Image%d Do\r\nQ\r\n' % (int(595.2 / 0.12), int(841.8 / 0.12), im_id)
        c_id = add(b'<</Filter/FlateDecode/Length %d>>\r\nstream\r\n' % len(zlib.compress(c)) + zlib.compress(c) + b'\r\nendstream')
        pg = add(b'<</Type/Page/Parent %d 0 R/MediaBox[0 0 595.2 841.8]/Contents %d 0 R/Resources<</XObject<</Image%d %d 0 R>>/ProcSet[/PDF/ImageB]>>/Group<</Type/Group/S/Transparency/CS/DeviceRGB>>>>' % (pages_id, c_id, im_id, im_id))
        kids.append(pg)
    info = add(b'<</Producer(Microsoft: Print To PDF)/Title(Scan_2026_11_20)/CreationDate(D:20261120090000+07\'00\')/ModDate(D:20261120090000+07\'00\')>>')
    objs[catalog - 1] = b'<</Type/Catalog/Pages %d 0 R>>' % pages_id
    objs[pages_id - 1] = b'<</Type/Pages/Count %d/Kids[%s]>>' % (pages, b' '.join(b'%d 0 R' % k for k in kids))
    out = bytearray(b'%PDF-1.7\r\n%\xb5\xb5\xb5\xb5\r\n')
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b'%d 0 obj\r\n' % i + o + b'\r\nendobj\r\n'
    x = len(out)
    out += b'xref\r\n0 %d\r\n0000000000 65535 f\r\n' % (len(objs) + 1)
    for o in offs:
        out += b'%010d 00000 n\r\n' % o
    out += b'trailer\r\n<</Size %d/Root %d 0 R/Info %d 0 R>>\r\nstartxref\r\n%d\r\n%%%%EOF\r\n' % (len(objs) + 1, catalog, info, x)
    write(name, bytes(out))


def huge_image(name, kind):
    w, h = 10000, 14000
    dpi = 1200
    im = page(dpi, w / dpi, h / dpi, mode='1' if kind != 'jpeg' else 'L', seed=0, noise=False)
    if kind == 'jpeg':
        data = jpeg(im, 60)
        write(name, img2pdf.convert([data], layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))
    elif kind == 'g4':
        p = os.path.join(TMP, 'huge.tif')
        im.save(p, compression='group4', dpi=(dpi, dpi))
        subprocess.run(['tiff2pdf', '-o', os.path.join(OUT, name), p], check=True)
    else:
        b = io.BytesIO()
        im.save(b, 'PNG', dpi=(dpi, dpi))
        write(name, img2pdf.convert([b.getvalue()], layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))


def near_limit(name, target):
    """A colour 300 dpi JPEG scan of distinct noisy pages grown to about target bytes."""
    rnd = random.Random(7)
    imgs, total, i = [], 0, 0
    while total < target - 600_000:
        im = page(300, mode='RGB', seed=i % 4)
        px = im.load()
        for _ in range(40000):
            px[rnd.randrange(im.size[0]), rnd.randrange(im.size[1])] = (rnd.randrange(256),) * 3
        d = jpeg(im, 92)
        if total + len(d) > target:
            break
        imgs.append(d)
        total += len(d)
        i += 1
    write(name, img2pdf.convert(imgs, layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300))))


def many_updates(name, n):
    """n incremental updates, each rewriting the Info dictionary (a scanner's
    software saving the file again and again)."""
    src = os.path.join(OUT, 'jpeg-a4-200dpi-1p.pdf')
    b = bytearray(open(src, 'rb').read())
    p = pikepdf.open(src)
    size = len(p.objects) + 1
    root = p.trailer.Root.objgen[0]
    prev = int(b[b.rindex(b'startxref') + 9:].split()[0])
    info_num = size
    for i in range(n):
        if not b.endswith(b'\n'):
            b += b'\n'
        off = len(b)
        b += b'%d 0 obj\n<</Producer(scan %d)/ModDate(D:20261120%06d)>>\nendobj\n' % (info_num, i, i)
        x = len(b)
        b += b'xref\n%d 1\n%010d 00000 n \ntrailer\n<</Size %d/Root %d 0 R/Info %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n' % (info_num, off, info_num + 1, root, info_num, prev, x)
        prev = x
    write(name, bytes(b))


def qpdf_encrypt(name, src, user, bits, *more):
    subprocess.run(['qpdf', '--allow-weak-crypto', '--encrypt', user, 'owner-secret', bits, *more, '--',
                    os.path.join(OUT, src), os.path.join(OUT, name)], check=True)


def appended(name, src, tail=b'', head=b''):
    write(name, head + open(os.path.join(OUT, src), 'rb').read() + tail)


def rotate_inherited(name):
    p = pikepdf.open(os.path.join(OUT, 'jpeg-a4-300dpi-10p.pdf'))
    p.Root.Pages.Rotate = 90
    p.save(os.path.join(OUT, name))


def offset_boxes(name):
    p = pikepdf.open(os.path.join(OUT, 'jpeg-a4-200dpi-1p.pdf'))
    pg = p.pages[0]
    w, h = float(pg.MediaBox[2]), float(pg.MediaBox[3])
    pg.MediaBox, pg.CropBox = [100, 200, 100 + w, 200 + h], [130, 230, 70 + w, 170 + h]
    pg.Contents = p.make_stream(b'1 0 0 1 100 200 cm ' + pg.Contents.read_bytes())
    p.save(os.path.join(OUT, name))


def blank_page(name, w, h, dpi):
    b = io.BytesIO()
    Image.new('L', (w, h), 255).save(b, 'JPEG', quality=50)
    write(name, img2pdf.convert([b.getvalue()], layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))


def huge_jpx(name):
    png, jp2 = os.path.join(TMP, 'hugejpx.png'), os.path.join(TMP, 'hugejpx.jp2')
    Image.MAX_IMAGE_PIXELS = None
    page(1200, 10000 / 1200, 14000 / 1200, noise=False).save(png)
    subprocess.run(['opj_compress', '-i', png, '-o', jp2, '-r', '40'], check=True, stdout=subprocess.DEVNULL)
    write(name, img2pdf.convert([open(jp2, 'rb').read()], layout_fun=img2pdf.get_fixed_dpi_layout_fun((1200, 1200))))


def jbig2_big_page(name, side=40000):
    """720 bytes: a JBIG2 image whose page information says side x side pixels."""
    jb = seg(1, 48, 1, struct.pack('>IIIIBH', side, side, 0, 0, 0, 0)) + seg(2, 49, 1, b'')
    pdf = pikepdf.new()
    s = pdf.make_stream(jb)
    s.Type, s.Subtype, s.Width, s.Height, s.BitsPerComponent = pikepdf.Name.XObject, pikepdf.Name.Image, side, side, 1
    s.ColorSpace, s.Filter = pikepdf.Name.DeviceGray, pikepdf.Name.JBIG2Decode
    c = pdf.make_stream(b'q 595 0 0 842 0 0 cm /Im Do Q')
    pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842], Contents=c,
                                                     Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im=s)))))
    pdf.save(os.path.join(OUT, name))


def signed(name, src, layers):
    """Signed by another agency: a development PKI of its own (vanthu pki init)."""
    vanthu, pki = os.environ.get('VANTHU', 'vanthu'), os.path.join(TMP, 'otherpki')
    if not os.path.exists(os.path.join(pki, 'agency.pem')):
        subprocess.run([vanthu, 'pki', 'init', '--dir', pki, '--agency', 'UBND thành phố Cần Thơ', '--org', '000.00.00.H13'], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([vanthu, 'pki', 'officer', '--dir', pki, '--user', 'ct1', '--name', 'Trần Văn Bình', '--title', 'Chủ tịch'], check=True, stdout=subprocess.DEVNULL)
    off, l1 = os.path.join(pki, 'officers', 'ct1.pem'), os.path.join(TMP, 'l1-' + name)
    subprocess.run([vanthu, 'sign', '--layer', 'officer', '--key', 'file:' + off, '--cert', off, os.path.join(OUT, src),
                    l1 if layers == 2 else os.path.join(OUT, name)], check=True, stdout=subprocess.DEVNULL)
    if layers == 2:
        ag = os.path.join(pki, 'agency.pem')
        subprocess.run([vanthu, 'sign', '--layer', 'agency', '--key', 'file:' + ag, '--cert', ag, '--number', '125',
                        '--notation', '125/UBND-VP', l1, os.path.join(OUT, name)], check=True, stdout=subprocess.DEVNULL)


def forged(name, src):
    """src, signed, with an update that adds content to page 1 (forbidden after a signature)."""
    b = bytearray(open(os.path.join(OUT, src), 'rb').read())
    p = pikepdf.open(os.path.join(OUT, src))
    pg, size, root = p.pages[0].obj, int(p.trailer.Size), p.trailer.Root.objgen[0]
    prev = int(b[b.rindex(b'startxref') + 9:].split()[0])
    parts = []
    for k, v in pg.items():
        if k == '/Contents':
            cs = list(v) if isinstance(v, pikepdf.Array) else [v]
            parts.append(b'/Contents [' + b' '.join(b'%d 0 R' % x.objgen[0] for x in cs) + b' %d 0 R]' % size)
        elif getattr(v, 'is_indirect', False):
            parts.append(k.encode() + b' %d 0 R' % v.objgen[0])
        else:
            parts.append(k.encode() + b' ' + bytes(v.unparse(resolved=False)))
    c = b'BT /F1 24 Tf 100 700 Td (FORGED) Tj ET'
    b += b'\n'
    o1 = len(b)
    b += b'%d 0 obj\n<</Length %d>>\nstream\n' % (size, len(c)) + c + b'\nendstream\nendobj\n'
    o2 = len(b)
    b += b'%d 0 obj\n<<' % pg.objgen[0] + b' '.join(parts) + b'>>\nendobj\n'
    x = len(b)
    b += b'xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n%d 1\n%010d 00000 n \n' % (pg.objgen[0], o2, size, o1)
    b += b'trailer\n<</Size %d/Root %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n' % (size + 1, root, prev, x)
    write(name, bytes(b))


def jpeg_pages(name, pages, dpi, q):
    imgs = [jpeg(page(dpi, seed=k, noise=False), q) for k in range(4)]
    write(name, img2pdf.convert([imgs[i % 4] for i in range(pages)], layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))



CASES = {
    'jpeg-a4-200dpi-1p.pdf': lambda n: jpeg_scan(n, 1, 200),
    'jpeg-a4-300dpi-10p.pdf': lambda n: jpeg_scan(n, 10, 300),
    'jpeg-color-600dpi-3p.pdf': lambda n: jpeg_scan(n, 3, 600, mode='RGB'),
    'jpeg-a4-150dpi-300p.pdf': lambda n: jpeg_pages(n, 300, 150, 30),
    'over-limit-90mb-jpeg-300p.pdf': lambda n: jpeg_scan(n, 300, 200, q=40),
    'g4-fax-200dpi-20p.pdf': lambda n: g4_scan(n, 20, 200),
    'g4-600dpi-300p.pdf': lambda n: g4_scan(n, 300, 600),
    'jbig2-generic-300dpi-3p.pdf': lambda n: jbig2_pdf(n, False, 3, 300),
    'jbig2-globals-300dpi-3p.pdf': lambda n: jbig2_pdf(n, True, 3, 300),
    'jpx-300dpi-2p.pdf': lambda n: jpx_scan(n, 2, 300),
    'flate-1bit-300dpi-5p.pdf': lambda n: flate_scan(n, 5, 300, '1'),
    'flate-rgb-300dpi-2p.pdf': lambda n: flate_scan(n, 2, 300, 'RGB'),
    'mixed-a4-a3-letter.pdf': mixed_sizes,
    'rotate-90-270-180.pdf': rotated,
    'landscape-scan-rotate270.pdf': lambda n: rotated(n, True),
    'ocr-vie-2p.pdf': ocr,
    'ocr-pdfa2b-2p.pdf': lambda n: ocr(n, True),
    'linearized-10p.pdf': linearized,
    'objstreams-10p.pdf': objstreams,
    'ms-print-to-pdf-2p.pdf': ms_print,
    'huge-jpeg-10000x14000.pdf': lambda n: huge_image(n, 'jpeg'),
    'huge-g4-10000x14000.pdf': lambda n: huge_image(n, 'g4'),
    'huge-flate1bit-10000x14000.pdf': lambda n: huge_image(n, 'flate'),
    'many-updates-300.pdf': lambda n: many_updates(n, 300),
    'near-limit-49mb.pdf': lambda n: near_limit(n, 49 * 1024 * 1024),
    'over-limit-51mb.pdf': lambda n: near_limit(n, 51 * 1024 * 1024),
    'many-updates-1500.pdf': lambda n: many_updates(n, 1500),
    'enc-owner-only-aes256.pdf': lambda n: qpdf_encrypt(n, 'ocr-vie-2p.pdf', '', '256'),
    'enc-owner-only-rc4.pdf': lambda n: qpdf_encrypt(n, 'jpeg-a4-200dpi-1p.pdf', '', '128', '--use-aes=n'),
    'enc-user-password.pdf': lambda n: qpdf_encrypt(n, 'jpeg-a4-200dpi-1p.pdf', 'user-pw', '256'),
    'trailing-zeros-200k.pdf': lambda n: appended(n, 'jpeg-a4-200dpi-1p.pdf', tail=bytes(200000)),
    'trailing-html.pdf': lambda n: appended(n, 'jpeg-a4-200dpi-1p.pdf', tail='<html><body>Tải xuống thành công</body></html>\r\n'.encode() * 40),
    'junk-before-header.pdf': lambda n: appended(n, 'jpeg-a4-200dpi-1p.pdf', head=b'Content-Type: application/pdf\r\nContent-Transfer-Encoding: binary\r\n\r\n'),
    'rotate-inherited-pages90.pdf': rotate_inherited,
    'offset-mediabox-cropbox.pdf': offset_boxes,
    'a0-map-scan.pdf': lambda n: blank_page(n, 3000, 4200, 90),
    'page-14400pt.pdf': lambda n: blank_page(n, 2000, 2000, 10),
    'huge-jpx-10000x14000.pdf': huge_jpx,
    'jbig2-page-40000px-720B.pdf': jbig2_big_page,
    'signed-other-agency-2layers-10p.pdf': lambda n: signed(n, 'jpeg-a4-300dpi-10p.pdf', 2),
    'signed-other-agency-1layer-ocr.pdf': lambda n: signed(n, 'ocr-vie-2p.pdf', 1),
    'signed-other-agency-g4-300p.pdf': lambda n: signed(n, 'g4-600dpi-300p.pdf', 2),
    'signed-then-modified.pdf': lambda n: forged(n, 'signed-other-agency-2layers-10p.pdf'),
}

if __name__ == '__main__':
    os.makedirs(TMP, exist_ok=True)
    want = sys.argv[1:] or list(CASES)
    for n in want:
        if os.path.exists(os.path.join(OUT, n)):
            continue
        print('make', n, flush=True)
        CASES[n](n)
