"""Survey responses: storage and export."""
