"""The report runner: execute parameterised notebooks and publish self-contained HTML briefs."""
