#!/usr/bin/env python3
"""Writes hostile and large XLSX workbooks for the upload hardening checks (docs/BENCHMARKS.md).

    python3 scripts/hostile-workbooks.py OUT_DIR

Each file is a minimal workbook (one sheet named "Budget lines") written with the standard
library's zipfile, so the sheet can claim or hold anything:
  far-cell.xlsx          one cell at XFD1048576 (1.6 KB; aborted the server before the fix)
  inflate-561mb.xlsx     a sheet of 561 MB of XML compressed to about 2 MB
  shared-strings.xlsx    a sharedStrings part of 40 MB (over its 32 MiB limit)
  many-cells.xlsx        1,600,000 filled cells (over the 1,500,000-cell limit)
  largest-allowed.xlsx   a sheet just under every limit: 1,400,000 cells, about 150 MB of XML
"""
import os
import sys
import zipfile

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Budget lines" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '{shared}</Relationships>')
SHARED_REL = '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>'
TAIL = '</sheetData></worksheet>'


def write(path, rows, shared=None):
    """rows: an iterable of XML strings (each one or more <row> elements)."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('_rels/.rels', RELS)
        z.writestr('xl/workbook.xml', WB)
        z.writestr('xl/_rels/workbook.xml.rels', WB_RELS.format(shared=SHARED_REL if shared else ''))
        if shared:
            with z.open('xl/sharedStrings.xml', 'w', force_zip64=True) as f:
                for chunk in shared:
                    f.write(chunk.encode())
        with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
            f.write(HEAD.encode())
            for chunk in rows:
                f.write(chunk.encode())
            f.write(TAIL.encode())


def header():
    cols = ['agency', 'place', 'place_level', 'service_area', 'financial_year', 'amount', 'spend_kind', 'source', 'confidence']
    return '<row r="1">' + ''.join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in cols) + '</row>'


def main(out):
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, 'far-cell.xlsx'),
          ['<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'])
    row = '<row><c t="inlineStr"><is><t>' + 'a' * 200 + '</t></is></c></row>'
    n = 561 * 1024 * 1024 // len(row)
    write(os.path.join(out, 'inflate-561mb.xlsx'), (row * 1000 for _ in range(n // 1000)))
    si = '<si><t>a</t></si>'
    shared = ['<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    shared += [si * 10000 for _ in range(40 * 1024 * 1024 // (len(si) * 10000))] + ['</sst>']
    write(os.path.join(out, 'shared-strings.xlsx'), [header()], shared=shared)
    cell = '<c><v>1</v></c>'
    write(os.path.join(out, 'many-cells.xlsx'), ('<row>' + cell * 100 + '</row>' for _ in range(16000)))
    line = ('<row><c t="inlineStr"><is><t>Kent County Council</t></is></c><c t="inlineStr"><is><t>Sherwood</t></is></c>'
            '<c t="inlineStr"><is><t>ward</t></is></c><c t="inlineStr"><is><t>social_services</t></is></c>'
            '<c t="inlineStr"><is><t>2024/25</t></is></c><c><v>1234.5</v></c><c t="inlineStr"><is><t>revenue</t></is></c>')
    write(os.path.join(out, 'largest-allowed.xlsx'), [header()] + [line + '</row>'] * 200000)
    for f in sorted(os.listdir(out)):
        print(f'{f}: {os.path.getsize(os.path.join(out, f)):,} bytes')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'target/hostile-workbooks')
