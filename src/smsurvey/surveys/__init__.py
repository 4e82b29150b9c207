"""Survey definitions, logic, SMS compatibility and rendering."""
