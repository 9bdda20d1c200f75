"""The verification desk: queue, opening sealed reports, grading, clustering, messages."""
