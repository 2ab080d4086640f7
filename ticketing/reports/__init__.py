"""Reports for the hospital's leadership.

- ``monthly``: the month's 考核 figures gathered from the store (``build_monthly``)
- ``xlsx``: the same as an Excel workbook with native charts (openpyxl)
- ``pdf``: the same as a PDF with charts (reportlab; its CID font STSong-Light draws Chinese
  without font files)
- ``words``: the report's words in zh-CN and English
"""
