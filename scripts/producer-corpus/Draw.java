// Draws the placed lines of spec.json (d30.py) with Apache PDFBox 2 (Tinos as a
// Type 0 font, subset) or iText 5 (Tinos, Identity-H):
//   java -cp pdfbox2.jar:fontbox2.jar:commons-logging.jar:itext5.jar Draw.java pdfbox|itext5 SPEC OUT
import java.io.*;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;

public class Draw {
  record Line(String t, float x, float y, float s, boolean b, boolean i) {}

  static String style(Line l) { return l.b ? (l.i ? "BoldItalic" : "Bold") : (l.i ? "Italic" : "Regular"); }

  // spec.json as d30.py writes it: one object per line, keys in a fixed order.
  static List<List<Line>> pages(String json) {
    List<List<Line>> out = new ArrayList<>();
    Pattern p = Pattern.compile("\\{\"t\": \"((?:[^\"\\\\]|\\\\.)*)\", \"x\": ([-0-9.]+), \"y\": ([-0-9.]+), \"s\": ([0-9.]+), \"b\": (true|false), \"i\": (true|false)\\}");
    for (String page : json.split("\\], \\[")) {
      List<Line> ls = new ArrayList<>();
      Matcher m = p.matcher(page);
      while (m.find()) ls.add(new Line(unescape(m.group(1)), Float.parseFloat(m.group(2)), Float.parseFloat(m.group(3)),
          Float.parseFloat(m.group(4)), m.group(5).equals("true"), m.group(6).equals("true")));
      if (!ls.isEmpty()) out.add(ls);
    }
    return out;
  }

  static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '\\' && s.charAt(k + 1) == 'u') { b.append((char) Integer.parseInt(s.substring(k + 2, k + 6), 16)); k += 5; }
      else if (c == '\\') { b.append(s.charAt(++k)); }
      else b.append(c);
    }
    return b.toString();
  }

  public static void main(String[] a) throws Exception {
    String json = Files.readString(Path.of(a[1]));
    String font = "/usr/share/fonts/truetype/croscore/Tinos-%s.ttf";
    List<List<Line>> pages = pages(json);
    float w = 595.28f, h = 841.89f;
    if (a[0].equals("pdfbox")) {
      try (var doc = new org.apache.pdfbox.pdmodel.PDDocument()) {
        Map<String, org.apache.pdfbox.pdmodel.font.PDFont> fonts = new HashMap<>();
        for (String s : new String[] {"Regular", "Bold", "Italic", "BoldItalic"})
          fonts.put(s, org.apache.pdfbox.pdmodel.font.PDType0Font.load(doc, new File(String.format(font, s))));
        for (List<Line> ls : pages) {
          var page = new org.apache.pdfbox.pdmodel.PDPage(new org.apache.pdfbox.pdmodel.common.PDRectangle(w, h));
          doc.addPage(page);
          try (var cs = new org.apache.pdfbox.pdmodel.PDPageContentStream(doc, page)) {
            for (Line l : ls) {
              cs.beginText(); cs.setFont(fonts.get(style(l)), l.s); cs.newLineAtOffset(l.x, l.y); cs.showText(l.t); cs.endText();
            }
          }
        }
        doc.getDocumentInformation().setTitle("Quyết định");
        doc.save(a[2]);
      }
    } else if (a[0].equals("itext5-stamp")) {
      // an incremental update (append mode) to the PDF a[3]: a note in Vietnamese on page 1
      var reader = new com.itextpdf.text.pdf.PdfReader(a[3]);
      var st = new com.itextpdf.text.pdf.PdfStamper(reader, new FileOutputStream(a[2]), '\0', true);
      var note = com.itextpdf.text.pdf.PdfAnnotation.createText(st.getWriter(), new com.itextpdf.text.Rectangle(40, 780, 60, 800),
          "Ghi chú", "Đề nghị kiểm tra lại căn cứ pháp lý trước khi trình ký.", false, "Comment");
      st.addAnnotation(note, 1);
      st.close();
    } else {
      var doc = new com.itextpdf.text.Document(new com.itextpdf.text.Rectangle(w, h));
      var wr = com.itextpdf.text.pdf.PdfWriter.getInstance(doc, new FileOutputStream(a[2]));
      if (a[0].equals("itext5-full")) wr.setFullCompression(); // cross-reference and object streams
      doc.addTitle("Quyết định");
      doc.open();
      Map<String, com.itextpdf.text.pdf.BaseFont> fonts = new HashMap<>();
      for (String s : new String[] {"Regular", "Bold", "Italic", "BoldItalic"})
        fonts.put(s, com.itextpdf.text.pdf.BaseFont.createFont(String.format(font, s), com.itextpdf.text.pdf.BaseFont.IDENTITY_H, true));
      boolean first = true;
      for (List<Line> ls : pages) {
        if (!first) doc.newPage();
        first = false;
        var cb = wr.getDirectContent();
        for (Line l : ls) {
          cb.beginText(); cb.setFontAndSize(fonts.get(style(l)), l.s); cb.setTextMatrix(l.x, l.y); cb.showText(l.t); cb.endText();
        }
      }
      doc.close();
    }
  }
}
