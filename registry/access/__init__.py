"""registry.access: who reads (viewer), what they may read (policy) and the audit of every
read (reads). The selectors (registry.selectors) and the reports build on these."""
