"""All I/O of a journey: the event store, centres, travel desk, notifications, safety alerts."""
