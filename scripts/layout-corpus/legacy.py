# Drafts typed in Vietnam's legacy 8-bit fonts: TCVN3 (ABC; ".VnTime", and
# ".VnTimeH" whose lowercase codes draw the capitals), VNI ("VNI-Times",
# a base letter and a byte for its diacritics) and Windows-1258 (code page
# 1258: Latin-1's letters, ă â ê ô ơ ư đ in their own bytes, a tone as a
# combining byte after its letter; in a font named as none, "Tinos1258"). The fonts are made here from
# Tinos (fontTools): renamed, their cmap sending each code's Latin-1
# look-alike to the glyph of the letter it stands for (the diacritics of VNI
# to the combining marks, which take no room), so that a draft typed in
# look-alikes prints as Vietnamese with Tinos's widths — the NFC twin's
# layout. The letter tables are the converters' (Unikey, Dao Hai Lam's
# xvnkb tcvn.h and vni.h, duydev's vietnamese-conversion), letter by letter.
import os, unicodedata

VOWELS = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y']
TONES = ['', '\u0301', '\u0300', '\u0309', '\u0303', '\u0323']
TCVN3_GRID = ['a¸µ¶·¹', '¨¾»¼½Æ', '©ÊÇÈÉË', 'eÐÌÎÏÑ', 'ªÕÒÓÔÖ', 'iÝ×ØÜÞ',
              'oãßáâä', '«èåæçé', '¬íêëìî', 'uóïñòô', '\u00adøõö÷ù', 'yýúûüþ']
TCVN3_OTHERS = {'Ă': '¡', 'Â': '¢', 'Ê': '£', 'Ô': '¤', 'Ơ': '¥', 'Ư': '¦', 'Đ': '§', 'đ': '®'}
VNI_GRID = [['a', 'aù', 'aø', 'aû', 'aõ', 'aï'], ['aê', 'aé', 'aè', 'aú', 'aü', 'aë'], ['aâ', 'aá', 'aà', 'aå', 'aã', 'aä'],
            ['e', 'eù', 'eø', 'eû', 'eõ', 'eï'], ['eâ', 'eá', 'eà', 'eå', 'eã', 'eä'], ['i', 'í', 'ì', 'æ', 'ó', 'ò'],
            ['o', 'où', 'oø', 'oû', 'oõ', 'oï'], ['oâ', 'oá', 'oà', 'oå', 'oã', 'oä'], ['ô', 'ôù', 'ôø', 'ôû', 'ôõ', 'ôï'],
            ['u', 'uù', 'uø', 'uû', 'uõ', 'uï'], ['ö', 'öù', 'öø', 'öû', 'öõ', 'öï'], ['y', 'yù', 'yø', 'yû', 'yõ', 'î']]
# VNI's diacritic bytes (lowercase and capital forms): the marks they draw.
VNI_MARKS = {'ù': '\u0301', 'ø': '\u0300', 'û': '\u0309', 'õ': '\u0303', 'ï': '\u0323',
             'â': '\u0302', 'á': '\u0302', 'à': '\u0302', 'å': '\u0302', 'ã': '\u0302', 'ä': '\u0302',
             'ê': '\u0306', 'é': '\u0306', 'è': '\u0306', 'ú': '\u0306', 'ü': '\u0306', 'ë': '\u0306'}

def cp1258_code(letter):
    """letter in Windows-1258: its own byte when the code page has one
    (à, é, ô, ă...), else its letter without the tone and the tone's byte
    (ố: ô and 0xEC), as Windows's converter writes it."""
    try:
        return letter.encode('cp1258')
    except UnicodeEncodeError:
        d = unicodedata.normalize('NFD', letter)
        tone = [ch for ch in d if ch in TONES[1:]]
        base = unicodedata.normalize('NFC', ''.join(ch for ch in d if ch not in TONES[1:]))
        return base.encode('cp1258') + ''.join(tone).encode('cp1258')

def encoding(cs):
    out = {}
    if cs == 'cp1258':  # the bytes as their Latin-1 look-alikes
        for v in VOWELS + ['đ']:
            for t in TONES if v != 'đ' else ['']:
                letter = unicodedata.normalize('NFC', v + t)
                for l in (letter, letter.upper()):
                    out[l] = cp1258_code(l).decode('latin-1')
        return {k: v for k, v in out.items() if ord(k) >= 128}
    for i, v in enumerate(VOWELS):
        for j, t in enumerate(TONES):
            letter = unicodedata.normalize('NFC', v + t)
            if cs == 'tcvn3':
                out[letter] = TCVN3_GRID[i][j]
            else:
                out[letter] = VNI_GRID[i][j]
                out[letter.upper()] = VNI_GRID[i][j].upper()
    if cs == 'tcvn3':
        out.update(TCVN3_OTHERS)
    else:
        out.update({'đ': 'ñ', 'Đ': 'Ñ'})
    return {k: v for k, v in out.items() if ord(k) >= 128}

def needs_upper_font(word, enc):
    return any(ch.isupper() and ord(ch) >= 128 and ch not in enc for ch in word)

def segments(cs, text):
    """text in look-alikes: [(upper_font, text)]. TCVN3: a line without a
    lowercase letter, and each word with a capital the lowercase font does
    not have (its capitals), in the uppercase font, as lowercase codes."""
    enc = encoding(cs)
    text = unicodedata.normalize('NFC', text)
    caps = not any(ch.islower() for ch in text)
    out = []
    word_start = 0
    for k, ch in enumerate(text):
        if not ch.isalpha():
            word_start = k + 1
        upper = False
        if cs == 'tcvn3':
            end = k
            while end < len(text) and text[end].isalpha():
                end += 1
            upper = caps or (ch.isupper() and needs_upper_font(text[word_start:end], enc))
        if upper and ord(ch) >= 128 and ch.isalpha():
            ch = ch.lower()
        code = enc.get(ch, ch)
        if out and out[-1][0] == upper:
            out[-1] = (upper, out[-1][1] + code)
        else:
            out.append((upper, code))
    return out

FAMILIES = {'tcvn3': [('.VnTime', False), ('.VnTimeH', True)], 'vni': [('VNI-Times', False)], 'cp1258': [('Tinos1258', False)]}
# Windows-1258's tone bytes, as their look-alikes: the marks they draw.
CP1258_MARKS = {'Ì': '\u0300', 'ì': '\u0301', 'Ò': '\u0309', 'Þ': '\u0303', 'ò': '\u0323'}
STYLES = [('Regular', ''), ('Bold', '-Bold'), ('Italic', '-Italic')]

def build_fonts(outdir):
    """The legacy fonts in outdir, and a fontconfig file that adds them to
    the system's; returns the file's path."""
    from fontTools.ttLib import TTFont
    os.makedirs(outdir, exist_ok=True)
    for cs, fams in FAMILIES.items():
        enc = encoding(cs)
        for fam, upper in fams:
            for style, suffix in STYLES:
                f = TTFont('/usr/share/fonts/truetype/croscore/Tinos-%s.ttf' % style)
                uni = f.getBestCmap()
                remap = {}
                for letter, code in enc.items():
                    shown = letter.upper() if upper else letter
                    if len(code) == 1:
                        remap[ord(code)] = uni[ord(shown)]
                    elif cs == 'cp1258':  # a letter (its look-alike: ã for ă) and a tone
                        bare = unicodedata.normalize('NFC', ''.join(ch for ch in unicodedata.normalize('NFD', shown) if ch not in TONES[1:]))
                        remap[ord(code[0])] = uni[ord(bare)]
                        remap[ord(code[1])] = uni[ord(CP1258_MARKS[code[1]])]
                    else:
                        remap[ord(code[1])] = uni[ord(VNI_MARKS[code[1].lower()])]
                if upper:
                    for c in range(ord('a'), ord('z') + 1):
                        remap[c] = uni[c - 32]
                for t in f['cmap'].tables:
                    if t.isUnicode():
                        t.cmap.update({k: v for k, v in remap.items() if k <= 0xFFFF or t.format == 12})
                ps = fam + suffix
                for n in f['name'].names:
                    if n.nameID in (1, 16):
                        n.string = fam
                    elif n.nameID in (4,):
                        n.string = fam + ('' if style == 'Regular' else ' ' + style)
                    elif n.nameID in (3, 6):
                        n.string = ps
                f.save(os.path.join(outdir, ps.lstrip('.') + '.ttf'))  # fontconfig skips hidden files
    conf = os.path.join(outdir, 'fonts.conf')
    open(conf, 'w').write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                          '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n<dir>%s</dir>\n'
                          '<cachedir>%s</cachedir>\n</fontconfig>\n' % (outdir, os.path.join(outdir, 'cache')))
    return conf
