// Draws the placed lines of spec.json (d30.py) with one of npm's PDF writers:
//   node draw.js pdfkit|pdf-lib|pdf-lib-plain|jspdf|pdfmake SPEC OUT
// (NODE_PATH: where run.sh installed pdfkit, pdf-lib, @pdf-lib/fontkit, jspdf, pdfmake).
// Tinos is embedded (subset where the writer subsets), so the text stays Vietnamese.
const fs = require('fs');
const [kind, specPath, out] = process.argv.slice(2);
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
const style = (l) => (l.b ? (l.i ? 'BoldItalic' : 'Bold') : l.i ? 'Italic' : 'Regular');
const font = (s) => spec.font.replace('%s', s);

async function pdfkit() {
  const PDFDocument = require('pdfkit');
  const doc = new PDFDocument({ size: [spec.w, spec.h], autoFirstPage: false, info: { Title: 'Quyết định' } });
  doc.pipe(fs.createWriteStream(out));
  for (const s of ['Regular', 'Bold', 'Italic', 'BoldItalic']) doc.registerFont(s, font(s));
  for (const page of spec.pages) {
    doc.addPage({ size: [spec.w, spec.h], margin: 0 });
    for (const l of page) doc.font(style(l)).fontSize(l.s).text(l.t, l.x, spec.h - l.y - l.s * 0.891, { lineBreak: false });
  }
  doc.end();
}

async function pdflib(plain, variant) {
  const { PDFDocument, StandardFonts, degrees } = require('pdf-lib');
  const doc = await PDFDocument.create();
  doc.setTitle('Quyết định');
  const fonts = {};
  if (!plain) {
    doc.registerFontkit(require('@pdf-lib/fontkit'));
    for (const s of ['Regular', 'Bold', 'Italic', 'BoldItalic']) fonts[s] = await doc.embedFont(fs.readFileSync(font(s)), { subset: true });
  } else {
    fonts.Regular = await doc.embedFont(StandardFonts.TimesRoman);
    fonts.Bold = await doc.embedFont(StandardFonts.TimesRomanBold);
    fonts.Italic = await doc.embedFont(StandardFonts.TimesRomanItalic);
    fonts.BoldItalic = await doc.embedFont(StandardFonts.TimesRomanBoldItalic);
  }
  for (const page of spec.pages) {
    if (variant === 'rotated') {
      // a portrait page made of a landscape box turned by /Rotate 90, as print drivers write it
      const p = doc.addPage([spec.h, spec.w]);
      p.setRotation(degrees(90));
      for (const l of page) p.drawText(l.t, { x: spec.h - l.y, y: l.x, size: l.s, font: fonts[style(l)], rotate: degrees(90) });
      continue;
    }
    const p = doc.addPage([spec.w, spec.h]);
    for (const l of page) p.drawText(l.t, { x: l.x, y: l.y, size: l.s, font: fonts[style(l)] });
  }
  if (variant === 'form') {
    // fillable fields on the last page, filled in Vietnamese, appearances made with Tinos
    const form = doc.getForm();
    const p = doc.getPages()[doc.getPageCount() - 1];
    const f = form.createTextField('nguoi_soan');
    f.setText('Trần Thị Bình, chuyên viên');
    f.addToPage(p, { x: 85, y: 60, width: 220, height: 20, font: fonts.Regular });
    f.updateAppearances(fonts.Regular);
    const c = form.createCheckBox('khan');
    c.addToPage(p, { x: 320, y: 60, width: 14, height: 14 });
    c.check();
  }
  // pdf-lib-plain: a classic cross-reference table (useObjectStreams false)
  fs.writeFileSync(out, await doc.save({ useObjectStreams: !plain }));
}

async function jspdf() {
  const { jsPDF } = require('jspdf');
  const doc = new jsPDF({ unit: 'pt', format: [spec.w, spec.h] });
  for (const s of ['Regular', 'Bold', 'Italic', 'BoldItalic']) {
    doc.addFileToVFS(`Tinos-${s}.ttf`, fs.readFileSync(font(s)).toString('binary'));
    doc.addFont(`Tinos-${s}.ttf`, 'Tinos', s === 'Regular' ? 'normal' : s.toLowerCase());
  }
  spec.pages.forEach((page, i) => {
    if (i) doc.addPage([spec.w, spec.h]);
    for (const l of page) {
      doc.setFont('Tinos', l.b ? (l.i ? 'bolditalic' : 'bold') : l.i ? 'italic' : 'normal');
      doc.setFontSize(l.s);
      doc.text(l.t, l.x, spec.h - l.y);
    }
  });
  fs.writeFileSync(out, Buffer.from(doc.output('arraybuffer')));
}

async function pdfmake() {
  const pdfmake = require('pdfmake');
  pdfmake.addFonts({ Tinos: { normal: font('Regular'), bold: font('Bold'), italics: font('Italic'), bolditalics: font('BoldItalic') } });
  pdfmake.setLocalAccessPolicy(() => true);
  pdfmake.setUrlAccessPolicy(() => false);
  const content = [];
  spec.pages.forEach((page, i) => {
    page.forEach((l, j) => content.push({ text: l.t, absolutePosition: { x: l.x, y: spec.h - l.y - l.s * 0.891 }, fontSize: l.s, bold: l.b, italics: l.i,
      pageBreak: i > 0 && j === 0 ? 'before' : undefined }));
  });
  await pdfmake.createPdf({ pageSize: { width: spec.w, height: spec.h }, pageMargins: 0, content, defaultStyle: { font: 'Tinos' },
    info: { title: 'Quyết định' } }).write(out);
}

const run = { pdfkit, 'pdf-lib': () => pdflib(false), 'pdf-lib-plain': () => pdflib(true),
  'pdf-lib-rotated': () => pdflib(false, 'rotated'), 'pdf-lib-form': () => pdflib(false, 'form'), jspdf, pdfmake }[kind];
if (!run) throw new Error('unknown writer ' + kind);
run().catch((e) => { console.error(e); process.exit(1); });
