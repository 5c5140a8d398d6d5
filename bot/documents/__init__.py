"""Documents Karo makes for people to keep: official receipts as PDF."""
