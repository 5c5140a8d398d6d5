"""Work that runs on its own: RQ jobs (plain functions taking ids), fee and reminder runs, the schedule."""
