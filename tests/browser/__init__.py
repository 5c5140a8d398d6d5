"""Pages in a real browser (Playwright driving Debian's chromium)."""
