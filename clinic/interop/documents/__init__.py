"""Printable documents: a session's aftercare sheet, a signed consent and a visit summary for a referring
doctor, each as a print-friendly HTML page and as a PDF (fpdf2, pure Python).

Every document is first built as one `Document` (model.py) from the treatments, consents and routines
features; the HTML template and the PDF renderer only lay it out, so both always say the same thing. The
words are kept together in `model.WORDS` so they can be wrapped for translation later.
"""
