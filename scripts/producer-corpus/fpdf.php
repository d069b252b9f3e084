<?php
// Draws the placed lines of spec-ascii.tsv (gen.py) with FPDF 1.8 (Debian
// php-fpdf) and its core Times fonts, which have no Vietnamese letters: the
// text is folded to ASCII.   php fpdf.php SPEC.tsv OUT.pdf
require('/usr/share/php/fpdf/fpdf.php');
$pdf = new FPDF('P', 'pt', 'A4');
$pdf->SetTitle('Quyet dinh');
$h = 841.89;
$cur = -1;
$styles = ['', 'B', 'I', 'BI'];
foreach (file($argv[1], FILE_IGNORE_NEW_LINES) as $line) {
    $f = explode("\t", $line, 6);
    if (count($f) < 6) continue;
    if ((int)$f[0] != $cur) { $pdf->AddPage(); $cur = (int)$f[0]; }
    $pdf->SetFont('Times', $styles[(int)$f[4]], (float)$f[3]);
    $pdf->Text((float)$f[1], $h - (float)$f[2], $f[5]);
}
$pdf->Output('F', $argv[2]);
