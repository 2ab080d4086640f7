"""考核: the performance assessment of workers, teams and service departments.

- ``config``: the scoring model, grades, requester SMS and campaign defaults from
  ``config/assessment.toml``, checked like the catalog (errors name the key)
- ``scoring``: the monthly score, a pure function over ticket and complaint rows
  (docs/assessment.md writes the formula out)
- ``figures``: the rows of a month read from the store, scored per level, with trends and
  the figures by owner (首问负责)
"""
