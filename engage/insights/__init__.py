"""Coverage, outreach-to-uptake analysis, equity and the steering-group report."""
