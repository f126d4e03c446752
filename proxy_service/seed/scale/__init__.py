"""`flask seed-scale`: the bulk loader of large, realistic databases for benchmarks and load
tests (never used by the app itself).

  seed.py         the command: checks, phases, timings, summary
  world.py        the fixed parts: precomputed calendar, zones, names of people and enterprises
  centers.py      the 20 centers with their catalogue (ORM) and the item sets cases draw from
  setup.py        World (numbering, file pool), staff and enterprises as bulk rows
  files.py        the pool of file contents documents share
  cases.py        Story: one case's life, planned in workday indices
  case_events.py  its steps, side events and hash-chained audit events
  case_rows.py    the table rows of a case and of its events; Batch collects them
  texts.py        the Chinese texts users would have typed
  writer.py       bulk writes (executemany on SQLite, COPY on PostgreSQL) in a background thread

cli.py registers seed.seed_scale_command; nothing else imports this package.
"""
