"""The PDF toolkit that guides, notices and licences share: the CJK font, A4 page setup, styles, QR codes."""
