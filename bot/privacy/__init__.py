"""Data protection (Kenya's Data Protection Act, 2019): retention purges, a guardian's data exported, and
erasure of a guardian who asks. None of it ever touches the journal (entries, lines, accounts, payments'
amounts): the money stays, the person goes."""
