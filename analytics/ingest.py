"""``python -m analytics.ingest``, the old form of ``python -m analytics ingest``; the work is in analytics.intake."""

if __name__ == "__main__":
    from analytics.aliases import run_as

    run_as("ingest")
