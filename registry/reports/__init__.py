"""Read-only reports over the registry: aid targeting, planning statistics, household query,
the walidata board. Every function takes a Viewer, filters by what that viewer may read in SQL
(`registry.selectors`), and audits each call that returns person-level rows."""
