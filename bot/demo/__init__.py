"""The demo: a seeded Kenyan school (and a second one), loaded through the same imports bursars use."""
