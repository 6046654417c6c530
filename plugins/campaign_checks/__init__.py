"""Pure evaluation for the campaign: which run of a wave (or database) DAG counts, what to do next, and
the MGN free-period figures of a source server."""
